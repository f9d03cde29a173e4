// The SQL Server table of bench:load's SQL Server leg: sales-source's [Sales].[Orders] as the TDS
// test server (@datakit/tds-server) serves it through the engine stand-in's handlers, its rows
// generated on each read (never held in memory), and the source contract the read-only drain
// reads it with (the same columns as @datakit/sales-source's Orders; a tool does not import a
// datakit's package).
import { defineTable } from '@datakit/contracts';
import { mssql } from '@datakit/databases';
import type { FixtureTable } from '@datakit/databases/testing';

/** The SQL login the stand-in accepts, and its database. */
export const BENCH_LOGIN = { user: 'bench_loader', database: 'Sales' } as const;

const OFFSETS = ['+00:00', '+05:30', '-08:00', '+01:00'];
const STATUSES = ['open', 'shipped', 'cancelled', 'returned'];
const NOTE = 'n'.repeat(40);
const two = (n: number): string => String(n).padStart(2, '0');

/** `[Sales].[Orders]` with `count` rows: bigint, int, datetimeoffset(7), nvarchar, decimal, nvarchar(max), rowversion. */
export function ordersTable(count: number): FixtureTable {
  return {
    schema: 'sales',
    name: 'Orders',
    columns: [
      { name: 'OrderID', type: 'bigint', nullable: false },
      { name: 'CustomerID', type: 'int', nullable: false },
      { name: 'OrderedAt', type: 'datetimeoffset(7)', nullable: false },
      { name: 'Status', type: 'nvarchar(20)', nullable: false },
      { name: 'Total', type: 'decimal(19,4)', nullable: false },
      { name: 'Notes', type: 'nvarchar(max)' },
      { name: 'RowVersion', type: 'rowversion', nullable: false },
    ],
    primaryKey: ['OrderID'],
    rows: function* () {
      for (let i = 1; i <= count; i += 1) {
        // Microseconds only (the 7th digit 0): PostgreSQL keeps them exactly, no row is rejected.
        const at = `2024-${two(1 + (i % 12))}-${two(1 + (i % 28))} ${two(i % 24)}:${two(i % 60)}:${two((i * 7) % 60)}.${String(i % 1_000_000).padStart(6, '0')}0 ${OFFSETS[i % 4]}`;
        yield [
          BigInt(i),
          1 + (i % 5000),
          at,
          STATUSES[i % 4] ?? 'open',
          `${i % 100_000}.${String(i % 10_000).padStart(4, '0')}`,
          i % 3 === 0 ? null : `order ${i} ${NOTE}`,
          BigInt(1000 + i),
        ];
      }
    },
  };
}

/** The source contract of `[Sales].[Orders]` for the read-only drain. */
export const Orders = defineTable({
  name: 'orders',
  sourceName: 'Orders',
  schema: 'sales',
  columns: {
    order_id: mssql.bigint().primaryKey().source('OrderID'),
    customer_id: mssql.int().source('CustomerID'),
    ordered_at: mssql.datetimeoffset(7).source('OrderedAt'),
    status: mssql.nvarchar(20).source('Status'),
    total: mssql.decimal(19, 4).source('Total'),
    notes: mssql.nvarchar('max').nullable().source('Notes'),
    row_version: mssql.rowversion().cursor().source('RowVersion'),
  },
});
