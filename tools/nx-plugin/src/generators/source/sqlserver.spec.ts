import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describeTable, type AnyTable, type Column } from '@datakit/contracts';
import type { DiscoveredSchema } from '@datakit/databases';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test fixture only: the generated contracts are compared with the hand-written SQL Server ones
import { salesSourceTables } from '@datakit/sales-source';
import { afterAll, describe, expect, it } from 'vitest';

import { importGenerated, repositoryTree, scratchWorkspace } from '../_testing.ts';
import { sourceGenerator } from './generator.ts';

const work = scratchWorkspace();
afterAll(() => work.remove());

/**
 * The catalog SQL Server's adapter reads for the sales tables, as `readSqlServerCatalog`
 * spells it (`nvarchar(100)`, `decimal(12,2)`, `datetime2(7)`, `rowversion`): the spelling the
 * hand-written contracts' `mssql.*` builders state, which the drift check compares with.
 */
const catalog: DiscoveredSchema = {
  kind: 'sqlserver',
  schema: 'Sales',
  tables: (salesSourceTables as readonly AnyTable[]).map((table) => ({
    schema: 'Sales',
    name: table.sourceName,
    relation: 'table',
    partitionKey: [],
    references: [],
    primaryKey: (Object.values(table.columns) as Column[])
      .filter((c) => c.primaryKey)
      .map((c) => c.sourceName),
    columns: (Object.values(table.columns) as Column[]).map((c) => ({
      name: c.sourceName,
      type: c.sqlType,
      nullable: c.nullable,
      hasDefault: false,
    })),
  })),
};

describe('datakit new source on a SQL Server catalog', () => {
  it('writes the contracts of sales-source: mssql builders, source names, keys and the rowversion cursor', async () => {
    const file = join(work.dir, 'sales.json');
    writeFileSync(file, JSON.stringify(catalog));
    const tree = repositoryTree();
    await sourceGenerator(tree, {
      name: 'sales-copy',
      from: 'sales:sales',
      schema: 'Sales',
      catalogFile: file,
      skipInstall: true,
    });
    const module = await importGenerated(tree, work.dir, 'datakits/sales-copy');
    const generated = module['salesCopyTables'] as readonly AnyTable[];
    const facts = (table: AnyTable) => {
      const { description: _d, ...spec } = describeTable(table);
      return {
        ...spec,
        columns: spec.columns.map(({ description: _c, ...column }) => column),
      };
    };
    // The one difference is a choice of the hand-written contracts: customers."User" is
    // user_name there; the generator keeps the name, snake_cased (user).
    const handWritten = [...(salesSourceTables as readonly AnyTable[])].map(facts).map((t) => ({
      ...t,
      columns: t.columns.map((c) => (c.name === 'user_name' ? { ...c, name: 'user' } : c)),
    }));
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect(generated.map(facts).sort(byName)).toEqual(handWritten.sort(byName));
    expect(tree.read('datakits/sales-copy/package.json', 'utf8')).toContain('@datakit/databases');
  });
});
