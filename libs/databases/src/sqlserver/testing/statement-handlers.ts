/**
 * The stand-in for SQL Server's engine, for this adapter's statements only: handlers on the
 * TDS test server's seam (`@datakit/tds-server`) that answer exactly the statements of
 * `../statements.ts` from fixture tables described as their `CREATE TABLE` would declare them.
 *
 * A handler recognises a statement by rebuilding it with the functions of `statements.ts` from
 * what it read out of the text (names, cursor) and comparing the two: a statement the adapter
 * did not make is not answered. The answers follow SQL Server's documented behaviour:
 *
 * - the catalog rows are what `sys.columns`/`sys.types`/`sys.index_columns` hold for such a
 *   table ("sys.columns (Transact-SQL)": `max_length` in bytes, -1 for max, `precision` and
 *   `scale` per type as "Precision, scale, and length (Transact-SQL)" lists them; rowversion is
 *   type `timestamp`; alias types have their own name and their base type's system_type_id);
 * - the values are what `CONVERT(…, style)` prints ("CAST and CONVERT (Transact-SQL)"): decimal
 *   with exactly its scale, money style 2 with four decimals, date style 23, time/datetime2/
 *   datetimeoffset style 121 with as many fraction digits as the scale (datetime three,
 *   datetimeoffset ` +hh:mm` after a blank), smalldatetime style 120, uniqueidentifier in upper
 *   case, binary style 2 as upper-case hex without `0x` (binary(n) padded to n bytes), char(n)
 *   blank-padded, rowversion as the signed big-endian bigint of its 8 bytes. Float and real
 *   style 3 print 17 and 9 significant digits; the exact layout of the exponent is not
 *   documented, so it is written here as `d.dddde+ddd`: the adapter reads any decimal or
 *   scientific spelling (`Number()`), only the digits matter.
 */
import { TdsError } from '@datakit/tds-server';
import type { TdsColumn, TdsHandler, TdsRow, TdsValue } from '@datakit/tds-server';

import { catalogStatement, readStatement } from '../statements.ts';
import type { ReadColumn } from '../statements.ts';
import { canonicalTextOf, parseSqlServerType } from '../types.ts';
import type { SqlServerType } from '../types.ts';

/** One column of a fixture table, as its CREATE TABLE declares it. */
export interface FixtureColumn {
  name: string;
  /** The declared type: `nvarchar(50)`, `numeric(12,2)`, `rowversion`, or an alias type's name. */
  type: string;
  /** Default true, as a column without NOT NULL. */
  nullable?: boolean;
  /** Whether it has a DEFAULT, or is an IDENTITY or computed column. */
  hasDefault?: boolean;
}

/** A table (or view) of the fixture database. */
export interface FixtureTable {
  schema: string;
  name: string;
  columns: readonly FixtureColumn[];
  /** The primary key's columns in key order. */
  primaryKey?: readonly string[];
  /**
   * Rows in column order, values as `@datakit/tds-server` takes them (decimals and date/time
   * values as their text, binary as Buffer, rowversion as bigint); a function for large tables.
   */
  rows: readonly TdsRow[] | (() => Iterable<TdsRow>);
}

/** The fixture database. */
export interface Fixture {
  tables: readonly FixtureTable[];
  /** Alias types (`CREATE TYPE Phone FROM nvarchar(20)`): name → base type. */
  aliasTypes?: Readonly<Record<string, string>>;
  /**
   * What `MIN_ACTIVE_ROWVERSION()` returns: the lowest rowversion of a transaction still open;
   * default one more than the highest rowversion of any row (`@@DBTS + 1`: nothing open).
   */
  minActiveRowversion?: () => bigint;
}

/** Handlers for the catalog and read statements of `statements.ts` over one fixture. */
export function sqlServerStatementHandlers(fixture: Fixture): TdsHandler[] {
  return [catalogHandler(fixture), readHandler(fixture)];
}

const sameName = (a: string, b: string): boolean =>
  a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;

// ---------------------------------------------------------------------------------------------
// Catalog

function catalogHandler(fixture: Fixture): TdsHandler {
  return (request) => {
    if (!request.sql.startsWith('SELECT o.name AS table_name,')) return undefined;
    const literals = stringLiterals(request.sql);
    const [schema, ...tables] = literals;
    if (schema === undefined || request.sql !== catalogStatement(schema, tables)) {
      throw notOurs(request.sql);
    }
    const rows: TdsRow[] = [];
    const found = fixture.tables
      .filter((t) => sameName(t.schema, schema) && tables.some((name) => sameName(t.name, name)))
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'accent' }));
    for (const table of found) {
      table.columns.forEach((column, index) => {
        const declared = resolveType(fixture, column.type);
        const facts = columnFacts(declared.base);
        const ordinal = table.primaryKey?.findIndex((key) => sameName(key, column.name)) ?? -1;
        rows.push([
          table.name,
          column.name,
          index + 1,
          declared.alias ?? facts.typeName,
          declared.alias === undefined ? null : facts.typeName,
          facts.maxLength,
          facts.precision,
          facts.scale,
          column.nullable ?? true,
          column.hasDefault === true ? 1 : 0,
          ordinal >= 0 ? ordinal + 1 : null,
        ]);
      });
    }
    return [{ columns: CATALOG_COLUMNS, rows }];
  };
}

const sysname = (name: string, nullable = false): TdsColumn => ({
  name,
  type: 'nvarchar',
  length: 128,
  nullable,
});

const CATALOG_COLUMNS: readonly TdsColumn[] = [
  sysname('table_name'),
  sysname('column_name'),
  { name: 'column_id', type: 'int', nullable: false },
  sysname('type_name'),
  sysname('base_type_name', true),
  { name: 'max_length', type: 'smallint', nullable: false },
  { name: 'precision', type: 'tinyint', nullable: false },
  { name: 'scale', type: 'tinyint', nullable: false },
  { name: 'is_nullable', type: 'bit', nullable: true },
  { name: 'has_default', type: 'int', nullable: false },
  { name: 'key_ordinal', type: 'tinyint', nullable: true },
];

/** A declared type resolved: the alias's name when it is one, and the base type. */
function resolveType(
  fixture: Fixture,
  declared: string,
): { alias?: string; base: SqlServerType; spelled: string } {
  const alias =
    fixture.aliasTypes?.[declared] ??
    (declared.toLowerCase() === 'sysname' ? 'nvarchar(128)' : undefined);
  const spelled = alias ?? declared;
  const base = parseSqlServerType(spelled);
  if (base === undefined) throw new Error(`fixture type ${declared} is not a SQL Server type`);
  return alias === undefined ? { base, spelled } : { alias: declared, base, spelled };
}

/**
 * `sys.types.name`, `sys.columns.max_length` (bytes), `precision` and `scale` for a column of
 * the type ("Precision, scale, and length (Transact-SQL)", "sys.columns (Transact-SQL)").
 */
function columnFacts(type: SqlServerType): {
  typeName: string;
  maxLength: number;
  precision: number;
  scale: number;
} {
  const n = type.length === 'max' ? -1 : (type.length ?? 0);
  const s = type.scale ?? 0;
  const fraction = s > 0 ? s + 1 : 0;
  switch (type.name) {
    case 'bit':
      return { typeName: 'bit', maxLength: 1, precision: 1, scale: 0 };
    case 'tinyint':
      return { typeName: 'tinyint', maxLength: 1, precision: 3, scale: 0 };
    case 'smallint':
      return { typeName: 'smallint', maxLength: 2, precision: 5, scale: 0 };
    case 'int':
      return { typeName: 'int', maxLength: 4, precision: 10, scale: 0 };
    case 'bigint':
      return { typeName: 'bigint', maxLength: 8, precision: 19, scale: 0 };
    case 'decimal': {
      const p = type.precision ?? 18;
      const bytes = p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17;
      return { typeName: 'decimal', maxLength: bytes, precision: p, scale: s };
    }
    case 'money':
      return { typeName: 'money', maxLength: 8, precision: 19, scale: 4 };
    case 'smallmoney':
      return { typeName: 'smallmoney', maxLength: 4, precision: 10, scale: 4 };
    case 'real':
      return { typeName: 'real', maxLength: 4, precision: 24, scale: 0 };
    case 'float':
      return { typeName: 'float', maxLength: 8, precision: 53, scale: 0 };
    case 'date':
      return { typeName: 'date', maxLength: 3, precision: 10, scale: 0 };
    case 'time':
      return {
        typeName: 'time',
        maxLength: s <= 2 ? 3 : s <= 4 ? 4 : 5,
        precision: 8 + fraction,
        scale: s,
      };
    case 'datetime':
      return { typeName: 'datetime', maxLength: 8, precision: 23, scale: 3 };
    case 'smalldatetime':
      return { typeName: 'smalldatetime', maxLength: 4, precision: 16, scale: 0 };
    case 'datetime2':
      return {
        typeName: 'datetime2',
        maxLength: s <= 2 ? 6 : s <= 4 ? 7 : 8,
        precision: 19 + fraction,
        scale: s,
      };
    case 'datetimeoffset':
      return {
        typeName: 'datetimeoffset',
        maxLength: s <= 2 ? 8 : s <= 4 ? 9 : 10,
        precision: 26 + fraction,
        scale: s,
      };
    case 'uniqueidentifier':
      return { typeName: 'uniqueidentifier', maxLength: 16, precision: 0, scale: 0 };
    case 'nchar':
    case 'nvarchar':
      return { typeName: type.name, maxLength: n === -1 ? -1 : n * 2, precision: 0, scale: 0 };
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return { typeName: type.name, maxLength: n, precision: 0, scale: 0 };
    case 'text':
    case 'ntext':
    case 'image':
      return { typeName: type.name, maxLength: 16, precision: 0, scale: 0 };
    case 'xml':
      return { typeName: 'xml', maxLength: -1, precision: 0, scale: 0 };
    case 'rowversion':
      return { typeName: 'timestamp', maxLength: 8, precision: 0, scale: 0 };
    default:
      throw new Error(`no catalog facts for ${type.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

function readHandler(fixture: Fixture): TdsHandler {
  return (request) => {
    if (!request.sql.startsWith('SELECT ') || !/ AS c0\b/.test(request.sql)) return undefined;
    const from = /\n {2}FROM (\[(?:[^\]]|\]\])*\])\.(\[(?:[^\]]|\]\])*\])/.exec(request.sql);
    if (from === null) throw notOurs(request.sql);
    const schema = unquote(from[1] as string);
    const tableName = unquote(from[2] as string);
    const table = fixture.tables.find(
      (t) => sameName(t.schema, schema) && sameName(t.name, tableName),
    );
    if (table === undefined) {
      throw new TdsError(208, 1, 16, `Invalid object name '${schema}.${tableName}'.`);
    }
    const selectList = request.sql.slice('SELECT '.length, from.index);
    const names = [...selectList.matchAll(/(\[(?:[^\]]|\]\])*\])[^\n]* AS c\d+/g)].map((m) =>
      unquote(m[1] as string),
    );
    const columns: { read: ReadColumn; index: number }[] = names.map((name) => {
      const index = table.columns.findIndex((c) => sameName(c.name, name));
      const column = table.columns[index];
      if (column === undefined) throw new TdsError(207, 1, 16, `Invalid column name '${name}'.`);
      return { read: { name, type: resolveType(fixture, column.type).base }, index };
    });
    const where = request.sql.slice(from.index + from[0].length);
    let cursor: { column: ReadColumn; after: string | null; inclusive: boolean } | null = null;
    const cursorName = /^\n WHERE \(?(\[(?:[^\]]|\]\])*\]) (>=?|<) /.exec(where);
    if (cursorName !== null) {
      const name = unquote(cursorName[1] as string);
      const entry = columns.find((c) => c.read.name === name);
      const column = entry?.read ?? { name, type: { name: 'unknown' } };
      const compared = cursorName[2] !== '<';
      cursor = {
        column,
        after: compared ? (stringLiterals(where)[0] ?? null) : null,
        inclusive: cursorName[2] === '>=',
      };
    }
    const keys = keysOf(fixture, table, where);
    const rebuilt = readStatement({
      schema,
      table: tableName,
      columns: columns.map((c) => c.read),
      cursor,
      ...(keys === undefined ? {} : { keys: { columns: keys.columns, values: keys.values } }),
    });
    if (rebuilt !== request.sql) throw notOurs(request.sql);

    const resultColumns = columns.map((c, i) => resultColumn(c.read.type, i));
    const cursorIndex =
      cursor === null ? -1 : table.columns.findIndex((c) => sameName(c.name, cursor.column.name));
    const bound =
      cursor !== null && cursor.column.type.name === 'rowversion'
        ? (fixture.minActiveRowversion?.() ?? highestRowversion(fixture) + 1n)
        : undefined;
    const rows = function* (): Iterable<TdsRow> {
      const source = typeof table.rows === 'function' ? table.rows() : table.rows;
      for (const row of source) {
        if (cursor !== null) {
          const value = row[cursorIndex] ?? null;
          if (value === null) continue; // NULL > x and NULL < x are unknown: not returned
          if (bound !== undefined && rowversionOf(value) >= bound) continue;
          if (cursor.after !== null) {
            const order = compare(cursor.column.type, value, cursor.after);
            const after = cursor.inclusive ? order >= 0 : order > 0;
            if (!after && (keys === undefined || !keys.matches(row))) continue;
          }
        }
        yield columns.map((c) => convertValue(c.read.type, row[c.index] ?? null));
      }
    };
    return [{ columns: resultColumns, rows: rows() }];
  };
}

/**
 * The keys of `OR EXISTS (SELECT 1 FROM (VALUES …) AS k (k0, …) WHERE [a] = k.k0 AND …)` in a
 * read's WHERE: the key columns, each key's values as the canonical text `keyValueExpression`
 * was given (each cell holds its text as its one string constant; bit and binary turned back),
 * and whether a stored row has one of the keys, compared as SQL Server compares the column's
 * type (character types under a case-insensitive collation, trailing blanks ignored).
 */
function keysOf(
  fixture: Fixture,
  table: FixtureTable,
  where: string,
): { columns: ReadColumn[]; values: string[][]; matches: (row: TdsRow) => boolean } | undefined {
  const start = where.indexOf('\n    OR EXISTS (SELECT 1 FROM (VALUES ');
  const end = where.lastIndexOf(') AS k (');
  if (start < 0 || end < start) return undefined;
  const join = where.slice(end);
  const found = [...join.matchAll(/(\[(?:[^\]]|\]\])*\]) = k\.k\d+/g)].map((m) => {
    const name = unquote(m[1] as string);
    const index = table.columns.findIndex((c) => sameName(c.name, name));
    const column = table.columns[index];
    if (column === undefined) throw new TdsError(207, 1, 16, `Invalid column name '${name}'.`);
    return { read: { name, type: resolveType(fixture, column.type).base }, index };
  });
  if (found.length === 0) return undefined;
  const cells = stringLiterals(where.slice(start, end));
  const values: string[][] = [];
  for (let i = 0; i + found.length <= cells.length; i += found.length) {
    values.push(
      found.map((column, j) => canonicalOfConstant(column.read.type, cells[i + j] as string)),
    );
  }
  const matches = (row: TdsRow): boolean =>
    values.some((key) =>
      found.every((column, j) => {
        const stored = row[column.index] ?? null;
        return stored !== null && sameKeyValue(column.read.type, stored, key[j] as string);
      }),
    );
  return { columns: found.map((c) => c.read), values, matches };
}

/** The canonical text `keyValueExpression` wrote as the constant of a key cell. */
function canonicalOfConstant(type: SqlServerType, constant: string): string {
  switch (type.name) {
    case 'bit':
      return constant === '1' ? 't' : constant === '0' ? 'f' : constant;
    case 'binary':
    case 'varbinary':
      return `\\x${constant}`;
    default:
      return constant;
  }
}

/** Whether a stored value equals a key value (canonical text) as `[col] = k.kN` compares. */
function sameKeyValue(type: SqlServerType, stored: TdsValue, text: string): boolean {
  switch (type.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'decimal':
    case 'rowversion':
    case 'date':
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
    case 'datetimeoffset':
      return compare(type, stored, text) === 0;
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      return (
        String(stored).trimEnd().localeCompare(text.trimEnd(), 'en', { sensitivity: 'accent' }) ===
        0
      );
    default: {
      const printed = convertValue(type, stored) ?? '';
      const canonical = canonicalTextOf(type)?.(printed) ?? printed;
      return canonical.toLowerCase() === text.toLowerCase();
    }
  }
}

function notOurs(sql: string): TdsError {
  return new TdsError(
    50000,
    1,
    16,
    `The SQL Server stand-in answers only the statements of statements.ts; it was sent: ${sql.slice(0, 200)}`,
  );
}

/** The result column of a read expression: the CONVERT's target type. */
function resultColumn(type: SqlServerType, index: number): TdsColumn {
  const name = `c${index}`;
  const nvarchar = (length: number | 'max'): TdsColumn => ({ name, type: 'nvarchar', length });
  switch (type.name) {
    case 'bit':
      return nvarchar(1);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'rowversion':
      return nvarchar(20);
    case 'decimal':
      return nvarchar(41);
    case 'money':
    case 'smallmoney':
    case 'real':
    case 'float':
      return nvarchar(30);
    case 'date':
      return nvarchar(10);
    case 'time':
      return nvarchar(16);
    case 'datetime':
      return nvarchar(23);
    case 'smalldatetime':
      return nvarchar(19);
    case 'datetime2':
      return nvarchar(27);
    case 'datetimeoffset':
      return nvarchar(34);
    case 'uniqueidentifier':
      return { name, type: 'nchar', length: 36 };
    case 'binary':
    case 'varbinary':
    case 'image':
      return { name, type: 'varchar', length: 'max' };
    case 'char':
    case 'varchar':
      return nvarchar(type.length ?? 1);
    case 'nchar':
      return { name, type: 'nchar', length: type.length === 'max' ? 4000 : (type.length ?? 1) };
    case 'nvarchar':
      return nvarchar(type.length ?? 1);
    default:
      return nvarchar('max');
  }
}

/** What `selectExpression` of the type makes of one stored value (see the module comment). */
export function convertValue(type: SqlServerType, value: TdsValue): string | null {
  if (value === null) return null;
  switch (type.name) {
    case 'bit':
      return value === true || value === 1 ? '1' : '0';
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return String(value);
    case 'decimal':
      return decimalText(String(value), type.scale ?? 0);
    case 'money':
    case 'smallmoney':
      return decimalText(String(value), 4);
    case 'float':
      return scientific(Number(value), 17);
    case 'real':
      return scientific(Math.fround(Number(value)), 9);
    case 'date':
      return String(value);
    case 'time':
      return timeText(String(value), type.scale ?? 7);
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime': {
      const [date = '', time = ''] = String(value).split(' ');
      const digits =
        type.name === 'datetime' ? 3 : type.name === 'smalldatetime' ? 0 : (type.scale ?? 7);
      return `${date} ${timeText(time, digits)}`;
    }
    case 'datetimeoffset': {
      const [date = '', time = '', offset = '+00:00'] = String(value).split(' ');
      return `${date} ${timeText(time, type.scale ?? 7)} ${offset}`;
    }
    case 'uniqueidentifier':
      return String(value).toUpperCase();
    case 'binary': {
      const bytes = value as Buffer;
      const length = typeof type.length === 'number' ? type.length : bytes.length;
      const padded = Buffer.alloc(Math.max(length, bytes.length));
      bytes.copy(padded);
      return padded.toString('hex').toUpperCase();
    }
    case 'varbinary':
    case 'image':
      return (value as Buffer).toString('hex').toUpperCase();
    case 'rowversion':
      return String(rowversionOf(value));
    case 'char':
    case 'nchar': {
      const text = String(value);
      const length = typeof type.length === 'number' ? type.length : text.length;
      return text.padEnd(length, ' ');
    }
    default:
      return String(value);
  }
}

/** A decimal with exactly `scale` fraction digits and one leading zero, as SQL Server prints it. */
function decimalText(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const [integer = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const whole = integer.replace(/^0+(?=\d)/, '') || '0';
  const digits = fraction.padEnd(scale, '0').slice(0, scale);
  const body = scale > 0 ? `${whole}.${digits}` : whole;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

/** `d.ddd…e±ddd` with `digits` significant digits. */
function scientific(value: number, digits: number): string {
  const [mantissa = '0', exponent = '0'] = value.toExponential(digits - 1).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const body = `${Object.is(value, -0) ? '-' : ''}${mantissa}`;
  return `${body}e${sign}${exponent.replace(/^[-+]/, '').padStart(3, '0')}`;
}

/** `hh:mm:ss` with exactly `digits` fraction digits. */
function timeText(time: string, digits: number): string {
  const [clock = '', fraction = ''] = time.split('.');
  return digits === 0 ? clock : `${clock}.${fraction.padEnd(digits, '0').slice(0, digits)}`;
}

function rowversionOf(value: TdsValue): bigint {
  if (Buffer.isBuffer(value)) return value.readBigInt64BE(0);
  return BigInt(value as bigint | number | string);
}

function highestRowversion(fixture: Fixture): bigint {
  let highest = 0n;
  for (const table of fixture.tables) {
    const index = table.columns.findIndex((c) => parseSqlServerType(c.type)?.name === 'rowversion');
    if (index < 0) continue;
    const rows = typeof table.rows === 'function' ? table.rows() : table.rows;
    for (const row of rows) {
      const value = row[index];
      if (value !== null && value !== undefined && rowversionOf(value) > highest)
        highest = rowversionOf(value);
    }
  }
  return highest;
}

/** Orders a stored value against the saved cursor text as the cursor predicate's CONVERT does. */
function compare(type: SqlServerType, value: TdsValue, after: string): number {
  const sign = (a: bigint, b: bigint) => (a === b ? 0 : a > b ? 1 : -1);
  switch (type.name) {
    case 'rowversion':
      return sign(rowversionOf(value), BigInt(after));
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return sign(BigInt(value as number), BigInt(after));
    case 'decimal': {
      const scale = 38;
      return sign(scaled(String(value), scale), scaled(after, scale));
    }
    case 'datetimeoffset':
      return sign(instant(String(value)), instant(after));
    default: {
      // date, datetime, smalldatetime, datetime2: ISO text with the fraction padded orders.
      const key = (text: string) => {
        const [date = '', time = '00:00:00'] = text.trim().split(/\s+/);
        return `${date} ${timeText(time, 7)}`;
      };
      const a = key(String(value));
      const b = key(after);
      return a === b ? 0 : a > b ? 1 : -1;
    }
  }
}

function scaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [integer = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const value = BigInt(`${integer}${fraction.padEnd(scale, '0').slice(0, scale)}`);
  return negative ? -value : value;
}

/** 100 ns ticks since 1970 UTC of `yyyy-mm-dd hh:mm:ss[.fffffff] +hh:mm` or `…+hh:mm`. */
function instant(text: string): bigint {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? ?([+-]\d\d:\d\d)$/.exec(
    text.trim(),
  );
  if (match === null) throw new Error(`not a datetimeoffset: ${text}`);
  const [, date, clock, fraction = '', offset] = match;
  const millis = Date.parse(`${date}T${clock}${offset}`);
  return BigInt(millis) * 10_000n + BigInt(fraction.padEnd(7, '0').slice(0, 7));
}

/** The `N'…'` string constants of a statement, quotes undoubled. */
function stringLiterals(sql: string): string[] {
  return [...sql.matchAll(/N'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replaceAll("''", "'"));
}

function unquote(identifier: string): string {
  return identifier.slice(1, -1).replaceAll(']]', ']');
}
