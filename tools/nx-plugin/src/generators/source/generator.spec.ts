import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { DiscoveredSchema, DiscoveredTable } from '@datakit/databases';
import { afterAll, describe, expect, it } from 'vitest';

import { repositoryTree, scratchWorkspace } from '../_testing.ts';
import { sourceGenerator } from './generator.ts';

const work = scratchWorkspace();
afterAll(() => work.remove());

const table = (name: string, references: string[] = []): DiscoveredTable => ({
  schema: 'public',
  name,
  relation: 'table',
  partitionKey: [],
  references,
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'integer', nullable: false, hasDefault: true },
    { name: 'updated_at', type: 'timestamp with time zone', nullable: false, hasDefault: true },
  ],
});

function catalogFile(tables: DiscoveredTable[], file: string): string {
  const catalog: DiscoveredSchema = { kind: 'postgres', schema: 'public', tables };
  const path = join(work.dir, file);
  writeFileSync(path, JSON.stringify(catalog));
  return path;
}

const options = (file: string) => ({
  name: 'shop-source',
  from: 'shop:shop',
  schema: 'public',
  catalogFile: file,
  skipInstall: true,
});

describe('the source generator', () => {
  it('writes the package, a file per table, the index and the spec', async () => {
    const tree = repositoryTree();
    await sourceGenerator(
      tree,
      options(catalogFile([table('orders'), table('customer')], 'a.json')),
    );
    expect(
      tree
        .listChanges()
        .map((c) => c.path)
        .filter((p) => p.startsWith('datakits/'))
        .sort(),
    ).toEqual(
      [
        'README.md',
        'package.json',
        'tsconfig.json',
        'src/customer.ts',
        'src/index.spec.ts',
        'src/index.ts',
        'src/orders.ts',
      ]
        .map((f) => `datakits/shop-source/${f}`)
        .sort(),
    );
  });

  it('changes nothing when run twice on the same catalog', async () => {
    const tree = repositoryTree();
    const file = catalogFile([table('orders')], 'b.json');
    await sourceGenerator(tree, options(file));
    const before = new Map(tree.listChanges().map((c) => [c.path, c.content?.toString()]));
    await sourceGenerator(tree, options(file));
    expect(tree.listChanges().filter((c) => before.get(c.path) !== c.content?.toString())).toEqual(
      [],
    );
  });

  it('removes the file of a table gone from the catalog, and keeps files it did not write', async () => {
    const tree = repositoryTree();
    await sourceGenerator(tree, options(catalogFile([table('orders'), table('refund')], 'c.json')));
    tree.write('datakits/shop-source/src/helpers.ts', 'export const x = 1;\n');
    await sourceGenerator(tree, options(catalogFile([table('orders')], 'd.json')));
    expect([
      tree.exists('datakits/shop-source/src/refund.ts'),
      tree.exists('datakits/shop-source/src/helpers.ts'),
      tree.read('datakits/shop-source/src/index.ts', 'utf8')?.includes('Refund'),
    ]).toEqual([false, true, false]);
  });

  it('refuses a package name that is not lowercase with dashes', async () => {
    await expect(
      sourceGenerator(repositoryTree(), {
        ...options(catalogFile([table('a')], 'e.json')),
        name: 'Shop',
      }),
    ).rejects.toThrow('"Shop" is not a package name');
  });
});
