import { defineTable, makeFactory } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import {
  canonicalTextOf,
  kindOf,
  mssql,
  normalizeSqlServerType,
  parseSqlServerType,
  typeFromCatalog,
} from './types.ts';

function canonical(sqlType: string, text: string): string {
  const type = parseSqlServerType(sqlType);
  if (type === undefined) throw new Error(`not a type: ${sqlType}`);
  return canonicalTextOf(type)?.(text) ?? text;
}

describe('normalizeSqlServerType', () => {
  it.each([
    ['NVARCHAR ( 50 )', 'nvarchar(50)'],
    ['[nvarchar](max)', 'nvarchar(max)'],
    ['nvarchar(-1)', 'nvarchar(max)'],
    ['nvarchar', 'nvarchar(1)'],
    ['national character varying(20)', 'nvarchar(20)'],
    ['character varying(10)', 'varchar(10)'],
    ['char', 'char(1)'],
    ['numeric(12, 2)', 'decimal(12,2)'],
    ['decimal', 'decimal(18,0)'],
    ['dec(5)', 'decimal(5,0)'],
    ['integer', 'int'],
    ['timestamp', 'rowversion'],
    ['ROWVERSION', 'rowversion'],
    ['float', 'float'],
    ['float(53)', 'float'],
    ['float(24)', 'real'],
    ['double precision', 'float'],
    ['datetime2', 'datetime2(7)'],
    ['datetime2(3)', 'datetime2(3)'],
    ['datetimeoffset', 'datetimeoffset(7)'],
    ['time', 'time(7)'],
    ['sys.int', 'int'],
    ['money', 'money'],
    ['UniqueIdentifier', 'uniqueidentifier'],
  ])('spells %s as %s', (input, expected) => {
    expect(normalizeSqlServerType(input)).toBe(expected);
  });

  it('leaves what it cannot read trimmed and lower-cased', () => {
    expect(normalizeSqlServerType(' Geography ')).toBe('geography');
    expect(normalizeSqlServerType('int(4)')).toBe('int(4)');
    expect(normalizeSqlServerType('char(max)')).toBe('char(max)');
  });
});

describe('typeFromCatalog', () => {
  it('halves max_length of the n-types, which sys.columns gives in bytes', () => {
    expect(normalizeSqlServerType(spell('nvarchar', 100, 0, 0))).toBe('nvarchar(50)');
    expect(spell('nchar', 20, 0, 0)).toBe('nchar(10)');
    expect(spell('varchar', 50, 0, 0)).toBe('varchar(50)');
  });

  it('spells -1 as max', () => {
    expect(spell('nvarchar', -1, 0, 0)).toBe('nvarchar(max)');
    expect(spell('varbinary', -1, 0, 0)).toBe('varbinary(max)');
  });

  it('names timestamp rowversion and numeric decimal', () => {
    expect(spell('timestamp', 8, 0, 0)).toBe('rowversion');
    expect(spell('numeric', 9, 12, 2)).toBe('decimal(12,2)');
  });

  it('gives fractional seconds from scale', () => {
    expect(spell('datetime2', 8, 27, 7)).toBe('datetime2(7)');
    expect(spell('datetimeoffset', 10, 34, 7)).toBe('datetimeoffset(7)');
    expect(spell('time', 5, 16, 7)).toBe('time(7)');
    expect(spell('datetime', 8, 23, 3)).toBe('datetime');
  });

  function spell(name: string, maxLength: number, precision: number, scale: number): string {
    const type = typeFromCatalog(name, maxLength, precision, scale);
    return normalizeSqlServerType(
      type.length !== undefined
        ? `${type.name}(${type.length})`
        : type.precision !== undefined
          ? `${type.name}(${type.precision},${type.scale})`
          : type.scale !== undefined
            ? `${type.name}(${type.scale})`
            : type.name,
    );
  }
});

describe('canonical text', () => {
  it.each([
    ['bit', '1', 't'],
    ['bit', '0', 'f'],
    ['tinyint', '255', '255'],
    ['int', '-2147483648', '-2147483648'],
    ['bigint', '9223372036854775807', '9223372036854775807'],
    ['decimal(12,2)', '-1234567890.50', '-1234567890.50'],
    [
      'decimal(38,0)',
      '99999999999999999999999999999999999999',
      '99999999999999999999999999999999999999',
    ],
    ['money', '-922337203685477.5808', '-922337203685477.5808'],
    ['smallmoney', '214748.3647', '214748.3647'],
    ['float', '1.0000000000000001E-1', '0.1'],
    ['float', '3.1415926535897931E+0', '3.141592653589793'],
    ['float', '1.7976931348623157E+308', '1.7976931348623157e+308'],
    ['float', '-0.0000000000000000E+0', '-0'],
    ['real', '1.00000001E-1', '0.100000001'],
    ['real', '3.40282347E+38', '3.40282347e+38'],
    ['date', '0001-01-01', '0001-01-01'],
    ['time(7)', '23:59:59.9999999', '23:59:59.9999999'],
    ['time(7)', '10:11:12.1234500', '10:11:12.12345'],
    ['time(0)', '10:11:12', '10:11:12'],
    ['datetime', '2024-01-02 03:04:05.003', '2024-01-02 03:04:05.003'],
    ['datetime', '2024-01-02 03:04:05.000', '2024-01-02 03:04:05'],
    ['smalldatetime', '2024-01-02 03:04:00', '2024-01-02 03:04:00'],
    ['datetime2(7)', '2024-01-02 03:04:05.1234560', '2024-01-02 03:04:05.123456'],
    ['datetime2(7)', '2024-01-02 03:04:05.1234567', '2024-01-02 03:04:05.1234567'],
    ['datetime2(7)', '2024-01-02 03:04:05.0000000', '2024-01-02 03:04:05'],
    ['datetime2(0)', '9999-12-31 23:59:59', '9999-12-31 23:59:59'],
    [
      'datetimeoffset(7)',
      '2024-01-02 03:04:05.1234567 +02:00',
      '2024-01-02 03:04:05.1234567+02:00',
    ],
    ['datetimeoffset(7)', '2024-01-02 03:04:05.1000000 -05:30', '2024-01-02 03:04:05.1-05:30'],
    ['datetimeoffset(0)', '2024-01-02 03:04:05 +00:00', '2024-01-02 03:04:05+00:00'],
    [
      'uniqueidentifier',
      '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    ],
    ['varbinary(max)', '00FF10AB', '\\x00ff10ab'],
    ['binary(2)', '0A0B', '\\x0a0b'],
    ['varbinary(10)', '', '\\x'],
    ['rowversion', '2001', '2001'],
    ['nvarchar(50)', 'Grüße, 世界', 'Grüße, 世界'],
    ['nchar(5)', 'ab   ', 'ab   '],
    ['xml', '<a b="1"/>', '<a b="1"/>'],
  ])('%s %s is %s', (type, text, expected) => {
    expect(canonical(type, text)).toBe(expected);
  });
});

describe('kindOf', () => {
  it.each([
    ['bit', 'boolean'],
    ['tinyint', 'smallint'],
    ['int', 'integer'],
    ['bigint', 'bigint'],
    ['rowversion', 'bigint'],
    ['money', 'numeric'],
    ['datetime2(7)', 'timestamp'],
    ['datetimeoffset(7)', 'timestamptz'],
    ['nvarchar(max)', 'text'],
    ['nvarchar(50)', 'varchar'],
    ['nchar(3)', 'char'],
    ['varbinary(max)', 'bytea'],
    ['uniqueidentifier', 'uuid'],
    ['float', 'custom'],
    ['time(7)', 'custom'],
  ])('reads %s as kind %s', (type, kind) => {
    const parsed = parseSqlServerType(type);
    expect(parsed && kindOf(parsed)).toBe(kind);
  });
});

describe('mssql column builders', () => {
  it('keep the kind and validation of the contract kind, with SQL Server spelling', () => {
    const name = mssql.nvarchar(5);
    expect(name.meta).toMatchObject({ kind: 'varchar', sqlType: 'nvarchar(5)', maxLength: 5 });
    expect(name.zod.safeParse('abcde').success).toBe(true);
    expect(name.zod.safeParse('abcdef').success).toBe(false);
    expect(mssql.decimal(12, 2).meta).toMatchObject({ kind: 'numeric', sqlType: 'decimal(12,2)' });
    expect(mssql.decimal(12, 2).zod.safeParse('1234567890.12').success).toBe(true);
    expect(mssql.decimal(12, 2).zod.safeParse('1.123').success).toBe(false);
    expect(mssql.rowversion().meta).toMatchObject({ kind: 'bigint', sqlType: 'rowversion' });
    expect(mssql.tinyint().zod.safeParse(256).success).toBe(false);
  });

  it('keep modifiers working on the copies', () => {
    const key = mssql.int().primaryKey().source('Order Id');
    expect(key.meta).toMatchObject({ kind: 'integer', sqlType: 'int', primaryKey: true });
    expect(key.sourceName).toBe('Order Id');
    expect(mssql.datetime2(3).nullable().zod.safeParse(null).success).toBe(true);
  });

  it('spell every builder as normalizeSqlServerType does', () => {
    const builders = [
      mssql.bit(),
      mssql.tinyint(),
      mssql.smallint(),
      mssql.int(),
      mssql.bigint(),
      mssql.decimal(12, 2),
      mssql.money(),
      mssql.smallmoney(),
      mssql.real(),
      mssql.float(),
      mssql.date(),
      mssql.time(7),
      mssql.datetime(),
      mssql.smalldatetime(),
      mssql.datetime2(7),
      mssql.datetimeoffset(7),
      mssql.uniqueidentifier(),
      mssql.char(3),
      mssql.nchar(3),
      mssql.varchar(10),
      mssql.nvarchar('max'),
      mssql.text(),
      mssql.ntext(),
      mssql.xml(),
      mssql.binary(8),
      mssql.varbinary('max'),
      mssql.image(),
      mssql.rowversion(),
    ];
    for (const builder of builders) {
      expect(normalizeSqlServerType(builder.meta.sqlType)).toBe(builder.meta.sqlType);
    }
  });

  it('refuse a time with a 7th fractional digit PostgreSQL would round, and accept 6', () => {
    expect(mssql.time(7).zod.safeParse('10:11:12.123456').success).toBe(true);
    expect(mssql.time(7).zod.safeParse('10:11:12.1234567').success).toBe(false);
  });

  it('accept the canonical float texts', () => {
    for (const text of ['0.1', '-0', '1.7976931348623157e+308', '5e-324', '42']) {
      expect(mssql.float().zod.safeParse(text).success).toBe(true);
    }
  });

  it('refuse lengths SQL Server does not have', () => {
    expect(() => mssql.nvarchar(4001)).toThrow(RangeError);
    expect(() => mssql.datetime2(8)).toThrow(RangeError);
    expect(() => mssql.decimal(39, 0)).toThrow(RangeError);
  });

  it('make valid factory rows for a table of every type', () => {
    const table = defineTable({
      name: 'every_type',
      schema: 'sales',
      columns: {
        id: mssql.int().primaryKey(),
        flag: mssql.bit(),
        amount: mssql.money(),
        ratio: mssql.float(),
        at: mssql.datetime2(7),
        at_zone: mssql.datetimeoffset(7),
        clock: mssql.time(7),
        label: mssql.nvarchar(50),
        raw: mssql.varbinary('max'),
        guid: mssql.uniqueidentifier(),
        version: mssql.rowversion(),
      },
    });
    const row = makeFactory(table).build();
    expect(table.zod.safeParse(row).success).toBe(true);
  });
});
