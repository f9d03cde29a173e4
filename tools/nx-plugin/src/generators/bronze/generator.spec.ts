import {
  contractHash,
  makeFactory,
  runTransform,
  type AnyTable,
  type AnyTransform,
  type Column,
} from '@datakit/contracts';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test fixture only: the bronze datakit is generated from the real pagila contracts
import { pagilaSourceTables } from '@datakit/pagila-source';
import type { DatakitDefinition } from '@datakit/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importGenerated, repositoryTree, scratchWorkspace } from '../_testing.ts';
import { bronzeGenerator } from './generator.ts';

const work = scratchWorkspace();
afterAll(() => work.remove());

describe('datakit new bronze from pagila-source', () => {
  let datakit: DatakitDefinition;
  let files: string[];
  let secondRun: string[];
  let specText: string;

  beforeAll(async () => {
    const tree = repositoryTree();
    await bronzeGenerator(tree, { name: 'pagila-copy', from: 'pagila-source', skipInstall: true });
    files = tree.listChanges().map((c) => c.path);
    specText = tree.read('datakits/pagila-copy/src/index.spec.ts', 'utf8') ?? '';
    const module = await importGenerated(tree, work.dir, 'datakits/pagila-copy');
    datakit = module['pagilaCopy'] as DatakitDefinition;
    // The same tree again: every file is written with the content it has.
    const before = new Map(tree.listChanges().map((c) => [c.path, c.content?.toString()]));
    await bronzeGenerator(tree, { name: 'pagila-copy', from: 'pagila-source', skipInstall: true });
    secondRun = tree
      .listChanges()
      .filter((c) => before.get(c.path) !== c.content?.toString())
      .map((c) => c.path);
  });

  it('writes the package, one file per table, the entrypoint and the tests', () => {
    expect(files.filter((f) => f.startsWith('datakits/')).sort()).toEqual(
      [
        'README.md',
        'package.json',
        'tsconfig.json',
        'src/index.ts',
        'src/index.spec.ts',
        'src/main.ts',
        ...pagilaSourceTables.map((t) => `src/${t.name.replaceAll('_', '-')}.ts`),
      ]
        .map((f) => `datakits/pagila-copy/${f}`)
        .sort(),
    );
  });

  it('changes nothing when run twice', () => {
    expect(secondRun).toEqual([]);
  });

  it('loads every source table once, in the source order, into bronze with the audit columns and the source key and cursor', () => {
    expect(datakit.tables.map((t) => t.source)).toEqual([...pagilaSourceTables]);
    expect(
      datakit.tables.map((t) => [
        t.target.qualifiedName,
        t.target.audited,
        t.target.primaryKey.join(),
        t.cursor,
      ]),
    ).toEqual(
      pagilaSourceTables.map((s) => [
        `bronze.${s.name}`,
        true,
        s.primaryKey.join(),
        s.cursor ?? null,
      ]),
    );
  });

  it('keeps each column, its kind, length, precision, bounds and nullability, without the source’s enum type and domain', () => {
    for (const { source, target } of datakit.tables) {
      for (const column of Object.values(source.columns) as Column[]) {
        const copy = target.columns[column.name] as Column;
        const facts = (c: Column) => [
          c.kind,
          c.nullable,
          c.maxLength,
          c.precision,
          c.scale,
          c.min,
          c.max,
          c.values,
        ];
        expect([column.name, ...facts(copy)]).toEqual([column.name, ...facts(column)]);
        expect(copy.domain).toBeUndefined();
      }
    }
    const rating = datakit.tables.find((t) => t.target.name === 'film')!.target.columns['rating'];
    expect((rating as Column).sqlType).toBe('text');
  });

  it('copies 200 factory rows of every table through its transform unchanged', () => {
    for (const table of datakit.tables) {
      const rows = makeFactory(table.source, { seed: 2022 }).buildMany(200);
      const result = runTransform(table.transform as AnyTransform, rows);
      expect([table.target.name, result.rejected, result.rows]).toEqual([
        table.target.name,
        [],
        rows,
      ]);
    }
  });

  it('pins the contract hash of its targets in the generated spec', () => {
    const hash = contractHash(datakit.tables.map((t) => t.target as AnyTable));
    expect(specText).toContain(hash);
  });
});
