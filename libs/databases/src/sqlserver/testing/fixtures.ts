/**
 * Fixture tables of the SQL Server integration tests, with the canonical text each value must
 * arrive as, so a test compares what the adapter read with what it should have read.
 */
import { defineTable } from '@datakit/contracts';
import type { TdsRow } from '@datakit/tds-server';

import { mssql } from '../types.ts';
import type { Fixture, FixtureTable } from './statement-handlers.ts';

/** A row of `sales.every_type` with, per column, the stored value and its canonical text. */
interface TypedValue {
  stored: TdsRow[number];
  canonical: string | null;
}

const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

/** Column name → [declared type, contract builder]. */
const EVERY_TYPE_COLUMNS = {
  id: ['int', mssql.int().primaryKey()],
  flag: ['bit', mssql.bit().nullable()],
  tiny: ['tinyint', mssql.tinyint().nullable()],
  small: ['smallint', mssql.smallint().nullable()],
  big: ['bigint', mssql.bigint().nullable()],
  amount: ['decimal(12,2)', mssql.decimal(12, 2).nullable()],
  wide: ['numeric(38,10)', mssql.decimal(38, 10).nullable()],
  price: ['money', mssql.money().nullable()],
  fee: ['smallmoney', mssql.smallmoney().nullable()],
  ratio: ['float', mssql.float().nullable()],
  approx: ['real', mssql.real().nullable()],
  day: ['date', mssql.date().nullable()],
  clock: ['time(7)', mssql.time(7).nullable()],
  legacy_at: ['datetime', mssql.datetime().nullable()],
  minute_at: ['smalldatetime', mssql.smalldatetime().nullable()],
  at: ['datetime2(7)', mssql.datetime2(7).nullable()],
  at_zone: ['datetimeoffset(7)', mssql.datetimeoffset(7).nullable()],
  guid: ['uniqueidentifier', mssql.uniqueidentifier().nullable()],
  code: ['char(4)', mssql.char(4).nullable()],
  ncode: ['nchar(3)', mssql.nchar(3).nullable()],
  label: ['varchar(20)', mssql.varchar(20).nullable()],
  title: ['nvarchar(50)', mssql.nvarchar(50).nullable()],
  body: ['nvarchar(max)', mssql.nvarchar('max').nullable()],
  notes: ['text', mssql.text().nullable()],
  nnotes: ['ntext', mssql.ntext().nullable()],
  doc: ['xml', mssql.xml().nullable()],
  hash: ['binary(4)', mssql.binary(4).nullable()],
  blob: ['varbinary(max)', mssql.varbinary('max').nullable()],
  version: ['rowversion', mssql.rowversion()],
} as const;

/** The source contract of `sales.every_type`. */
export const everyTypeContract = defineTable({
  name: 'every_type',
  schema: 'sales',
  columns: Object.fromEntries(
    Object.entries(EVERY_TYPE_COLUMNS).map(([name, [, builder]]) => [name, builder]),
  ) as { [K in keyof typeof EVERY_TYPE_COLUMNS]: (typeof EVERY_TYPE_COLUMNS)[K][1] },
});

type EveryTypeRow = { [K in keyof typeof EVERY_TYPE_COLUMNS]: TypedValue };

const v = (stored: TdsRow[number], canonical: string | null): TypedValue => ({ stored, canonical });

/** Edge values of every type, each with its expected canonical text. */
const everyTypeRows: EveryTypeRow[] = [
  {
    id: v(1, '1'),
    flag: v(true, 't'),
    tiny: v(255, '255'),
    small: v(-32768, '-32768'),
    big: v(9223372036854775807n, '9223372036854775807'),
    amount: v('-1234567890.5', '-1234567890.50'),
    wide: v('1234567890123456789012345678.0123456789', '1234567890123456789012345678.0123456789'),
    price: v('-922337203685477.5808', '-922337203685477.5808'),
    fee: v('214748.3647', '214748.3647'),
    ratio: v(0.1, '0.1'),
    approx: v(Math.fround(0.1), '0.100000001'),
    day: v('0001-01-01', '0001-01-01'),
    clock: v('23:59:59.9999999', '23:59:59.9999999'),
    legacy_at: v('2024-02-29 23:59:59.997', '2024-02-29 23:59:59.997'),
    minute_at: v('2024-02-29 23:59:00', '2024-02-29 23:59:00'),
    at: v('2024-02-29 23:59:59.1234567', '2024-02-29 23:59:59.1234567'),
    at_zone: v('2024-01-02 03:04:05.1234567 +05:30', '2024-01-02 03:04:05.1234567+05:30'),
    guid: v(GUID, GUID.toLowerCase()),
    code: v('ab', 'ab  '),
    ncode: v('ü', 'ü  '),
    label: v("O'Brien; {x}", "O'Brien; {x}"),
    title: v('Grüße, 世界 🎉', 'Grüße, 世界 🎉'),
    body: v('x'.repeat(70_000), 'x'.repeat(70_000)),
    notes: v('plain text', 'plain text'),
    nnotes: v('ñandú', 'ñandú'),
    doc: v('<a b="1"/>', '<a b="1"/>'),
    hash: v(Buffer.from([0xde, 0xad]), '\\xdead0000'),
    blob: v(Buffer.from([0, 1, 2, 0xff]), '\\x000102ff'),
    version: v(2001n, '2001'),
  },
  {
    id: v(2, '2'),
    flag: v(false, 'f'),
    tiny: v(0, '0'),
    small: v(32767, '32767'),
    big: v(-9223372036854775808n, '-9223372036854775808'),
    amount: v('0.5', '0.50'),
    wide: v('-0.0000000001', '-0.0000000001'),
    price: v('0', '0.0000'),
    fee: v('-214748.3648', '-214748.3648'),
    ratio: v(-1.7976931348623157e308, '-1.7976931348623157e+308'),
    approx: v(-3.4028234663852886e38, '-3.40282347e+38'),
    day: v('9999-12-31', '9999-12-31'),
    clock: v('00:00:00', '00:00:00'),
    legacy_at: v('1753-01-01 00:00:00.000', '1753-01-01 00:00:00'),
    minute_at: v('1900-01-01 00:00:00', '1900-01-01 00:00:00'),
    at: v('2024-01-02 03:04:05.1234560', '2024-01-02 03:04:05.123456'),
    at_zone: v('2024-01-02 03:04:05 -08:00', '2024-01-02 03:04:05-08:00'),
    guid: v('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'),
    code: v('abcd', 'abcd'),
    ncode: v('xyz', 'xyz'),
    label: v('', ''),
    title: v('', ''),
    body: v('', ''),
    notes: v('', ''),
    nnotes: v('', ''),
    doc: v('<r/>', '<r/>'),
    hash: v(Buffer.from([1, 2, 3, 4]), '\\x01020304'),
    blob: v(Buffer.alloc(0), '\\x'),
    version: v(2002n, '2002'),
  },
  {
    id: v(3, '3'),
    flag: v(null, null),
    tiny: v(null, null),
    small: v(null, null),
    big: v(null, null),
    amount: v(null, null),
    wide: v(null, null),
    price: v(null, null),
    fee: v(null, null),
    ratio: v(null, null),
    approx: v(null, null),
    day: v(null, null),
    clock: v(null, null),
    legacy_at: v(null, null),
    minute_at: v(null, null),
    at: v(null, null),
    at_zone: v(null, null),
    guid: v(null, null),
    code: v(null, null),
    ncode: v(null, null),
    label: v(null, null),
    title: v(null, null),
    body: v(null, null),
    notes: v(null, null),
    nnotes: v(null, null),
    doc: v(null, null),
    hash: v(null, null),
    blob: v(null, null),
    version: v(2003n, '2003'),
  },
];

const names = Object.keys(EVERY_TYPE_COLUMNS) as (keyof typeof EVERY_TYPE_COLUMNS)[];

/** `sales.every_type`: one column of each type, edge values and NULLs. */
export const everyTypeTable: FixtureTable = {
  schema: 'sales',
  name: 'every_type',
  columns: names.map((name) => ({
    name,
    type: EVERY_TYPE_COLUMNS[name][0],
    nullable: !['id', 'version'].includes(name),
  })),
  primaryKey: ['id'],
  rows: everyTypeRows.map((row) => names.map((name) => row[name].stored)),
};

/** What a read of `sales.every_type` must give, row by row. */
export const everyTypeExpected: (string | null)[][] = everyTypeRows.map((row) =>
  names.map((name) => row[name].canonical),
);

/**
 * `Sales Data.Order Lines` is not a contract name (contracts are lower-case identifiers), so the
 * catalog test reads it directly: names with blanks and brackets, reserved words, an alias
 * type, a composite primary key in an order other than the columns'.
 */
export const awkwardTable: FixtureTable = {
  schema: 'Sales Data',
  name: 'Order Lines',
  columns: [
    { name: 'line no', type: 'smallint', nullable: false },
    { name: 'Order]Id', type: 'bigint', nullable: false },
    { name: 'select', type: 'nvarchar(100)' },
    { name: 'order', type: 'numeric(9,3)', nullable: false, hasDefault: true },
    { name: 'phone', type: 'Phone' },
    { name: 'owner', type: 'sysname', nullable: false },
    { name: 'changed', type: 'rowversion', nullable: false },
    { name: 'at', type: 'datetime2', nullable: false },
  ],
  primaryKey: ['Order]Id', 'line no'],
  rows: [],
};

/** A rowversion-cursored table whose rows a test adds to between reads. */
export function changesTable(rows: TdsRow[]): FixtureTable {
  return {
    schema: 'sales',
    name: 'changes',
    columns: [
      { name: 'id', type: 'int', nullable: false },
      { name: 'note', type: 'nvarchar(20)' },
      { name: 'rv', type: 'rowversion', nullable: false },
    ],
    primaryKey: ['id'],
    rows,
  };
}

/** The contract of `sales.changes`, cursor on its rowversion. */
export const changesContract = defineTable({
  name: 'changes',
  schema: 'sales',
  columns: {
    id: mssql.int().primaryKey(),
    note: mssql.nvarchar(20).nullable(),
    rv: mssql.rowversion().cursor(),
  },
});

/** A table of `count` generated rows, made afresh for every read (never held in memory). */
export function manyRowsTable(count: number, produced: { rows: number }): FixtureTable {
  return {
    schema: 'sales',
    name: 'many',
    columns: [
      { name: 'id', type: 'int', nullable: false },
      { name: 'amount', type: 'decimal(12,2)', nullable: false },
      { name: 'at', type: 'datetime2(7)', nullable: false },
      { name: 'payload', type: 'nvarchar(100)', nullable: false },
    ],
    primaryKey: ['id'],
    rows: function* () {
      for (let i = 1; i <= count; i += 1) {
        produced.rows = i;
        yield [i, `${i}.25`, '2024-01-02 03:04:05.1200000', `row ${i} ${'p'.repeat(60)}`];
      }
    },
  };
}

/** The contract of `sales.many`. */
export const manyContract = defineTable({
  name: 'many',
  schema: 'sales',
  columns: {
    id: mssql.int().primaryKey(),
    amount: mssql.decimal(12, 2),
    at: mssql.datetime2(7),
    payload: mssql.nvarchar(100),
  },
});

/** The fixture database of the integration tests. */
export function fixtureDatabase(tables: readonly FixtureTable[]): Fixture {
  return { tables, aliasTypes: { Phone: 'nvarchar(20)' } };
}
