import { makeFactory, runTransform } from '@datakit/contracts';
import type { AnyTransform } from '@datakit/contracts';
import { buildSpec } from '@datakit/runtime';
import { salesSourceTables } from '@datakit/sales-source';
import { describe, expect, it } from 'vitest';

import { salesBronze } from './index.ts';

const entries = salesBronze.tables.map((t) => [t.target.name, t] as const);

describe('sales-bronze', () => {
  it('loads every sales source table once, parents first', () => {
    expect(salesBronze.tables.map((t) => t.source)).toEqual([...salesSourceTables]);
  });

  it.each(entries)('maps 200 factory rows of %s without rejecting any', (_name, table) => {
    const rows = makeFactory(table.source, { seed: 7 }).buildMany(200);
    const result = runTransform(table.transform as AnyTransform, rows);
    expect(result.rejected).toEqual([]);
    expect(result.rows).toHaveLength(200);
  });

  it('keeps the source key and reads incrementally on rowversion', () => {
    for (const table of salesBronze.tables) {
      expect(table.target.primaryKey).toEqual(table.source.primaryKey);
      expect(table.cursor).toBe('row_version');
      expect(table.target.schema).toBe('sales_bronze');
    }
  });

  it('describes SQL Server source types and PostgreSQL target types in its spec', () => {
    const spec = buildSpec(salesBronze, {});
    const orders = spec.contracts.find((c) => c.schema === 'sales' && c.name === 'orders');
    expect(orders?.sourceName).toBe('Orders');
    expect(orders?.columns.map((c) => c.sqlType)).toContain('datetimeoffset(7)');
    const bronze = spec.contracts.find((c) => c.schema === 'sales_bronze' && c.name === 'orders');
    expect(bronze?.columns.find((c) => c.name === 'ordered_at')?.sqlType).toBe(
      'timestamp with time zone',
    );
  });
});
