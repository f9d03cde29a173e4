import { contractHash, defineTable } from '@datakit/contracts';
import type { AnyTable } from '@datakit/contracts';

import { buildCall, namespacesOf, quote, renderCall } from '../_builder-call.ts';
import { camelCase, kebabCase } from '../_names.ts';
import type { TableModel } from './_source-model.ts';

/** The table contract a model stands for, built as the generated code builds it. */
export function buildTable(model: TableModel): AnyTable {
  return defineTable({
    name: model.name,
    ...(model.schema === 'public' ? {} : { schema: model.schema }),
    ...(model.sourceName === undefined ? {} : { sourceName: model.sourceName }),
    ...(model.description === undefined ? {} : { description: model.description }),
    columns: Object.fromEntries(model.columns.map((c) => [c.name, buildCall(c.call)])),
  });
}

/** The first line of every table file the generator writes: how it knows its own files. */
export const GENERATED_MARK =
  '// Written by `datakit new source` from the live catalog: run it again after a schema change.';

/** The file of one table: `src/<table>.ts`. */
export function tableFile(model: TableModel): { path: string; content: string } {
  const used = new Set(model.columns.flatMap((c) => [...namespacesOf(c.call)]));
  const lines = [
    GENERATED_MARK,
    `import { ${used.has('col') ? 'col, ' : ''}defineTable } from '@datakit/contracts';`,
    ...(used.has('mssql') ? [`import { mssql } from '@datakit/databases';`] : []),
    '',
    `/** ${model.doc} */`,
    `export const ${model.constName} = defineTable({`,
    `  name: ${quote(model.name)},`,
    ...(model.schema === 'public' ? [] : [`  schema: ${quote(model.schema)},`]),
    ...(model.sourceName === undefined ? [] : [`  sourceName: ${quote(model.sourceName)},`]),
    ...(model.description === undefined ? [] : [`  description: ${quote(model.description)},`]),
    '  columns: {',
    ...model.columns.flatMap((c) => [
      ...(c.note === undefined ? [] : [`    // ${c.note}`]),
      `    ${c.name}: ${renderCall(c.call)},`,
    ]),
    '  },',
    '});',
    '',
  ];
  return { path: `src/${kebabCase(model.name)}.ts`, content: lines.join('\n') };
}

/** `src/index.ts`: every contract, and the list of them parents first. */
export function indexFile(name: string, models: readonly TableModel[]): string {
  const list = `${camelCase(name)}Tables`;
  return [
    `/** Contracts of the source tables of ${name}, generated from the live catalog by \`datakit new source\`. */`,
    `import type { AnyTable } from '@datakit/contracts';`,
    '',
    ...models.map((m) => `import { ${m.constName} } from './${kebabCase(m.name)}.ts';`),
    '',
    ...models.map((m) => `export { ${m.constName} } from './${kebabCase(m.name)}.ts';`),
    '',
    `/** Every source table of ${name}, parents before the tables that refer to them. */`,
    `export const ${list} = [`,
    ...models.map((m) => `  ${m.constName},`),
    '] as const satisfies readonly AnyTable[];',
    '',
  ].join('\n');
}

/** `src/index.spec.ts`: factories make valid rows of every table, and the contract hash is pinned. */
export function specFile(name: string, models: readonly TableModel[]): string {
  const list = `${camelCase(name)}Tables`;
  const hash = contractHash(models.map(buildTable));
  return [
    `import { contractHash, makeFactory, validateRows } from '@datakit/contracts';`,
    `import { describe, expect, it } from 'vitest';`,
    '',
    `import { ${list} } from './index.ts';`,
    '',
    `describe('${name} contracts', () => {`,
    `  it('lists ${models.length} distinct tables', () => {`,
    `    expect(new Set(${list}.map((t) => t.qualifiedName)).size).toBe(${models.length});`,
    '  });',
    '',
    `  it.each(${list}.map((table) => [table.name, table] as const))(`,
    `    'builds valid %s rows with a factory',`,
    '    (_name, table) => {',
    '      const rows = makeFactory(table, { seed: 2022 }).buildMany(100);',
    '',
    '      expect(validateRows(table, rows).rejected).toEqual([]);',
    '    },',
    '  );',
    '',
    `  it('keeps the contract hash of the catalog it was generated from', () => {`,
    '    // A change here is a contract change: bump the version accordingly.',
    `    expect(contractHash(${list})).toBe(${quote(hash)});`,
    '  });',
    '});',
    '',
  ].join('\n');
}
