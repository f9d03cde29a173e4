import { col } from '@datakit/contracts';
import type { ColumnBuilder, ColumnKind, RandomSource } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import * as z from 'zod';

import type { Dialect } from '../adapter.ts';

/**
 * SQL Server's types as this adapter understands them: their canonical spelling (the one
 * `normalizeType` gives and the catalog reports), the contract kind a value becomes, and the
 * canonical text of a value (the text the loader's codec of that kind decodes).
 *
 * Every value is read as text made by SQL Server itself (`CONVERT(..., style)` in the SELECT,
 * see `statements.ts`), so tedious and the ODBC drivers return the same characters and no value
 * passes through a JavaScript number or Date. The few rewrites left (bit as t/f, hex as `\x…`,
 * trailing fraction zeros) are string operations here.
 */

/** A SQL Server type spelling taken apart. */
export interface SqlServerType {
  /** The base type's name, lower case: `nvarchar`, `decimal`, `datetime2`, `rowversion`, ... */
  name: string;
  /** Length in characters (n-types too) or bytes (binary types); `max` for the large ones. */
  length?: number | 'max';
  /** `decimal(p,s)` precision. */
  precision?: number;
  /** `decimal(p,s)` scale; fractional-second digits of time, datetime2 and datetimeoffset. */
  scale?: number;
}

/** Spellings T-SQL accepts for one type, mapped to the one sys.types names. */
const ALIASES: Readonly<Record<string, string>> = {
  integer: 'int',
  dec: 'decimal',
  // numeric and decimal are synonyms ("decimal and numeric (Transact-SQL)": "numeric is
  // functionally identical to decimal"); sys.types lists both, the drift check treats them alike.
  numeric: 'decimal',
  'double precision': 'float',
  'character varying': 'varchar',
  'char varying': 'varchar',
  character: 'char',
  'national character varying': 'nvarchar',
  'national char varying': 'nvarchar',
  'nchar varying': 'nvarchar',
  'national character': 'nchar',
  'national char': 'nchar',
  'national text': 'ntext',
  // sys.types calls rowversion `timestamp` (a synonym kept for compatibility).
  timestamp: 'rowversion',
};

/** Types whose length is part of the spelling; `char` and friends default to 1. */
const LENGTH_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'binary', 'varbinary']);
/** Types that also come as `(max)`. */
const MAX_TYPES = new Set(['varchar', 'nvarchar', 'varbinary']);
/** Types with fractional seconds, default 7 digits. */
const SCALE_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);

/** Every type this adapter reads, by canonical name. */
const KNOWN = new Set([
  'bit',
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'decimal',
  'money',
  'smallmoney',
  'real',
  'float',
  'date',
  'time',
  'datetime',
  'smalldatetime',
  'datetime2',
  'datetimeoffset',
  'uniqueidentifier',
  'char',
  'varchar',
  'nchar',
  'nvarchar',
  'text',
  'ntext',
  'xml',
  'binary',
  'varbinary',
  'image',
  'rowversion',
]);

/**
 * Reads a type as T-SQL would accept it in a column definition (`NVARCHAR ( 50 )`, `[int]`,
 * `national character varying(20)`, `float(24)`, `sys.sysname` is not resolved here), or returns
 * undefined when it is not a spelling of one type.
 */
export function parseSqlServerType(sqlType: string): SqlServerType | undefined {
  const text = sqlType
    .trim()
    .toLowerCase()
    .replace(/[[\]"]/g, '')
    .replace(/\s+/g, ' ');
  const match = /^([a-z_][a-z0-9_. ]*?)\s*(?:\(\s*(max|-?\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(text);
  if (match === null) return undefined;
  const [, rawName = '', first, second] = match;
  let name = rawName.trim();
  if (name.startsWith('sys.')) name = name.slice(4);
  name = ALIASES[name] ?? name;
  const number = first === undefined || first === 'max' ? undefined : Number(first);
  if (name === 'float') {
    // float(n): 1..24 is real (4 bytes), 25..53 float (8 bytes) ("float and real (Transact-SQL)").
    if (number !== undefined && number >= 1 && number <= 24) return { name: 'real' };
    return { name: 'float' };
  }
  if (LENGTH_TYPES.has(name)) {
    if (first === 'max' || number === -1) {
      return MAX_TYPES.has(name) ? { name, length: 'max' } : undefined;
    }
    return { name, length: number ?? 1 };
  }
  if (name === 'decimal') {
    return { name, precision: number ?? 18, scale: second === undefined ? 0 : Number(second) };
  }
  if (SCALE_TYPES.has(name)) return { name, scale: number ?? 7 };
  if (first !== undefined) return undefined;
  return { name };
}

/** The canonical spelling of a parsed type: `nvarchar(50)`, `decimal(12,2)`, `datetime2(7)`. */
export function formatSqlServerType(type: SqlServerType): string {
  if (type.length !== undefined) return `${type.name}(${type.length})`;
  if (type.precision !== undefined) return `${type.name}(${type.precision},${type.scale ?? 0})`;
  if (type.scale !== undefined) return `${type.name}(${type.scale})`;
  return type.name;
}

/**
 * The canonical spelling of a SQL Server type, so a contract's `sqlType` and the catalog's type
 * compare: lower case, no brackets or blanks, synonyms resolved (`numeric` → `decimal`,
 * `timestamp` → `rowversion`, `integer` → `int`, `float(24)` → `real`, `float(53)` → `float`),
 * defaults written out (`nvarchar` → `nvarchar(1)`, `decimal` → `decimal(18,0)`, `datetime2` →
 * `datetime2(7)`). Spellings it cannot read come back trimmed and lower-cased.
 */
export function normalizeSqlServerType(sqlType: string): string {
  const parsed = parseSqlServerType(sqlType);
  return parsed === undefined ? sqlType.trim().toLowerCase() : formatSqlServerType(parsed);
}

/** The SQL Server dialect: what the drift check needs of SQL Server's type spellings. */
export const sqlServerDialect: Dialect = {
  kind: 'sqlserver',
  normalizeType: normalizeSqlServerType,
};

/**
 * The type of one contract column as SQL Server spells it, for reading: the contract's
 * `sqlType` (the type as the table's own database declares it).
 */
export function readableType(sqlType: string, column: string): SqlServerType {
  const parsed = parseSqlServerType(sqlType);
  if (parsed === undefined || !KNOWN.has(parsed.name)) {
    throw new ConfigError(
      `Column ${column} of the source contract has type "${sqlType}", which the SQL Server adapter cannot read.`,
      {
        hint: `Declare it with a SQL Server type (the mssql.* column builders): ${[...KNOWN].join(', ')}.`,
      },
    );
  }
  return parsed;
}

/** The contract kind of each SQL Server type (its TypeScript representation follows). */
export function kindOf(type: SqlServerType): ColumnKind {
  switch (type.name) {
    case 'bit':
      return 'boolean';
    case 'tinyint':
    case 'smallint':
      return 'smallint';
    case 'int':
      return 'integer';
    case 'bigint':
    case 'rowversion':
      return 'bigint';
    case 'decimal':
    case 'money':
    case 'smallmoney':
      return 'numeric';
    case 'date':
      return 'date';
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
      return 'timestamp';
    case 'datetimeoffset':
      return 'timestamptz';
    case 'uniqueidentifier':
      return 'uuid';
    case 'char':
    case 'nchar':
      return 'char';
    case 'varchar':
    case 'nvarchar':
      return type.length === 'max' ? 'text' : 'varchar';
    case 'text':
    case 'ntext':
    case 'xml':
      return 'text';
    case 'binary':
    case 'varbinary':
    case 'image':
      return 'bytea';
    default:
      // real, float, time: no contract kind of their own.
      return 'custom';
  }
}

/** Turns SQL Server's text of one value (from the SELECT of `statements.ts`) into canonical text. */
export type CanonicalText = (text: string) => string;

const lowerCase: CanonicalText = (text) => text.toLowerCase();

/** `0`/`1` (CONVERT of bit) → `f`/`t`. */
const bitText: CanonicalText = (text) => (text === '1' ? 't' : text === '0' ? 'f' : text);

/** Hex digits without `0x` (CONVERT binary style 2) → bytea's `\x` and lower-case hex. */
const hexText: CanonicalText = (text) => `\\x${text.toLowerCase()}`;

/**
 * Style 3 float text (17 significant digits for float, 9 for real: every value distinct and
 * lossless, "CAST and CONVERT", float and real styles) → the shortest decimal that reads back as
 * the same double (ECMAScript's Number-to-String is exactly that). A real's 9 digits are kept
 * too: the shortest text of the double nearest them has at most 9 significant digits and reads
 * back as the same real. `-0` keeps its sign.
 */
const floatText: CanonicalText = (text) => {
  const value = Number(text);
  if (Number.isNaN(value)) return text;
  return Object.is(value, -0) ? '-0' : String(value);
};

/**
 * Drops trailing zeros of the fraction of `hh:mi:ss.fffffff` inside a date/time text (and the
 * point when nothing is left), as PostgreSQL prints timestamps and times. A non-zero seventh
 * digit (100 ns) stays: PostgreSQL keeps microseconds, so such a value is passed on with 7
 * digits for the codec or the contract to refuse, never rounded here.
 */
function trimFraction(text: string): string {
  return text.replace(
    /(\d\d:\d\d:\d\d)(?:\.(\d*?)0*)?(?=$|\s|[+-])/,
    (_, time: string, digits?: string) =>
      digits === undefined || digits === '' ? time : `${time}.${digits}`,
  );
}

/** `yyyy-mm-dd hh:mi:ss.fffffff +hh:mm` (style 121 of datetimeoffset) → `...fffffff+hh:mm`. */
const offsetText: CanonicalText = (text) => trimFraction(text).replace(/ ([+-]\d\d:\d\d)$/, '$1');

/**
 * The rewrite of SQL Server's text into canonical text for one type, or undefined when the
 * text already is canonical (integers, decimals, money with its four decimals, dates,
 * character data, the decimal text of a rowversion).
 */
export function canonicalTextOf(type: SqlServerType): CanonicalText | undefined {
  switch (type.name) {
    case 'bit':
      return bitText;
    case 'uniqueidentifier':
      return lowerCase;
    case 'binary':
    case 'varbinary':
    case 'image':
      return hexText;
    case 'real':
    case 'float':
      return floatText;
    case 'time':
    case 'datetime':
    case 'datetime2':
      return trimFraction;
    case 'datetimeoffset':
      return offsetText;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Column builders

/**
 * A builder of an existing kind (validation, factories, loader codec kept) whose `sqlType` is
 * SQL Server's spelling. Contracts has no public way to do this yet (proposed:
 * `builder.nativeType(sqlType)`); until it has, the builder's own class makes the copy.
 */
function nativeType<TValue>(
  builder: ColumnBuilder<TValue>,
  sqlType: string,
): ColumnBuilder<TValue> {
  return builder.nativeType(sqlType);
}

type Length = number | 'max';

function lengthOf(length: Length, what: string, limit: number): string {
  if (length === 'max') return 'max';
  if (!Number.isInteger(length) || length < 1 || length > limit) {
    throw new RangeError(
      `${what} length must be an integer in [1, ${limit}] or 'max', got ${length}`,
    );
  }
  return String(length);
}

function characters(name: 'varchar' | 'nvarchar', length: Length): ColumnBuilder<string> {
  const spelled = lengthOf(length, name, name === 'varchar' ? 8000 : 4000);
  const base = length === 'max' ? col.text() : col.varchar(length);
  return nativeType(base, `${name}(${spelled})`);
}

function fixedCharacters(name: 'char' | 'nchar', length: number): ColumnBuilder<string> {
  lengthOf(length, name, name === 'char' ? 8000 : 4000);
  return nativeType(col.char(length), `${name}(${length})`);
}

function fractionalDigits(digits: number, what: string): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 7) {
    throw new RangeError(`${what} fractional seconds must be an integer in [0, 7], got ${digits}`);
  }
  return digits;
}

/** A float's canonical text: what `floatText` gives (`0.1`, `-2.5e-7`, `1e+21`, `-0`). */
const FLOAT_TEXT = /^-?(\d+(\.\d+)?|\.\d+)(e[+-]?\d+)?$/i;
const floatGenerator = (random: RandomSource): string => String(random.int(-1e6, 1e6) / 64);

/** `hh:mm:ss[.ffffff]`: PostgreSQL's time keeps microseconds, so a 7th digit is refused. */
const TIME_TEXT = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$/;
const timeGenerator = (random: RandomSource): string =>
  [random.int(0, 23), random.int(0, 59), random.int(0, 59)]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');

/**
 * Column builders for source contracts of SQL Server tables: each gives the contract kind (and
 * so the TypeScript type and the loader's codec) of the SQL Server type, with `sqlType` spelled
 * as SQL Server declares it, which is what the drift check compares with `sys.columns`.
 *
 * | builder | TypeScript | canonical text |
 * | --- | --- | --- |
 * | `bit()` | boolean | `t`/`f` |
 * | `tinyint()`, `smallint()`, `int()` | number | decimal |
 * | `bigint()`, `rowversion()` | bigint | decimal (rowversion: its 8 bytes as a bigint) |
 * | `decimal(p,s)`, `money()`, `smallmoney()` | string | exact decimal (money: 4 decimals) |
 * | `real()`, `float()` | string | shortest round-trip decimal |
 * | `date()` | string | `YYYY-MM-DD` |
 * | `time(n)` | string | `hh:mm:ss[.ffffff]` |
 * | `datetime()`, `smalldatetime()`, `datetime2(n)` | Date | `YYYY-MM-DD hh:mm:ss[.fffffff]` |
 * | `datetimeoffset(n)` | Date | `YYYY-MM-DD hh:mm:ss[.fffffff]+hh:mm` |
 * | `uniqueidentifier()` | string | 36 characters, lower case |
 * | `char`, `nchar`, `varchar`, `nvarchar`, `text()`, `ntext()`, `xml()` | string | the text |
 * | `binary(n)`, `varbinary(n)`, `image()` | Buffer | `\x` and hex |
 */
export const mssql = {
  /** `bit` as `boolean`. */
  bit: () => nativeType(col.boolean(), 'bit'),
  /** `tinyint` (0..255) as `number`. */
  tinyint: () => nativeType(col.smallint({ min: 0, max: 255 }), 'tinyint'),
  /** `smallint` as `number`. */
  smallint: () => nativeType(col.smallint(), 'smallint'),
  /** `int` as `number`. */
  int: () => nativeType(col.integer(), 'int'),
  /** `bigint` as `bigint`. */
  bigint: () => nativeType(col.bigint(), 'bigint'),
  /** `decimal(p,s)` (alias `numeric`) as a decimal `string`; default `decimal(18,0)`. */
  decimal: (precision = 18, scale = 0) => {
    if (!Number.isInteger(precision) || precision < 1 || precision > 38) {
      throw new RangeError(`decimal precision must be an integer in [1, 38], got ${precision}`);
    }
    return nativeType(col.numeric(precision, scale), `decimal(${precision},${scale})`);
  },
  /** `money` (a 19-digit decimal with 4 decimals) as a decimal `string`, e.g. `"12.3400"`. */
  money: () => nativeType(col.numeric(19, 4), 'money'),
  /** `smallmoney` (10 digits, 4 decimals) as a decimal `string`. */
  smallmoney: () => nativeType(col.numeric(10, 4), 'smallmoney'),
  /** `real` (4-byte float) as the `string` of its shortest round-trip decimal. */
  real: () =>
    col.custom('real', {
      zod: z.string().regex(FLOAT_TEXT, 'not a real'),
      generate: floatGenerator,
    }),
  /** `float` (8-byte float) as the `string` of its shortest round-trip decimal. */
  float: () =>
    col.custom('float', {
      zod: z.string().regex(FLOAT_TEXT, 'not a float'),
      generate: floatGenerator,
    }),
  /** `date` as an ISO `YYYY-MM-DD` string. */
  date: () => nativeType(col.date(), 'date'),
  /**
   * `time(n)` (default 7) as `hh:mm:ss[.ffffff]`; a value with a non-zero 7th digit is rejected,
   * since PostgreSQL's `time` would round it.
   */
  time: (digits = 7) =>
    col.custom(`time(${fractionalDigits(digits, 'time')})`, {
      zod: z.string().regex(TIME_TEXT, 'not a time of day with at most 6 fractional digits'),
      generate: timeGenerator,
    }),
  /** `datetime` as `Date` (SQL Server rounds it to .000, .003 or .007 s; read as printed). */
  datetime: () => nativeType(col.timestamp(), 'datetime'),
  /** `smalldatetime` (to the minute) as `Date`. */
  smalldatetime: () => nativeType(col.timestamp(), 'smalldatetime'),
  /**
   * `datetime2(n)` (default 7) as `Date`, read as UTC. A `Date` holds milliseconds; a value
   * passed through to the warehouse keeps its microseconds (the loader forwards the text).
   */
  datetime2: (digits = 7) =>
    nativeType(col.timestamp(), `datetime2(${fractionalDigits(digits, 'datetime2')})`),
  /** `datetimeoffset(n)` (default 7) as `Date`: the instant (PostgreSQL keeps no offset). */
  datetimeoffset: (digits = 7) =>
    nativeType(col.timestamptz(), `datetimeoffset(${fractionalDigits(digits, 'datetimeoffset')})`),
  /** `uniqueidentifier` as a UUID `string`. */
  uniqueidentifier: () => nativeType(col.uuid(), 'uniqueidentifier'),
  /** `char(n)` (blank-padded) as `string`. */
  char: (length = 1) => fixedCharacters('char', length),
  /** `nchar(n)`, n in characters, as `string`. */
  nchar: (length = 1) => fixedCharacters('nchar', length),
  /** `varchar(n|'max')` as `string`. */
  varchar: (length: Length) => characters('varchar', length),
  /** `nvarchar(n|'max')`, n in characters, as `string`. */
  nvarchar: (length: Length) => characters('nvarchar', length),
  /** `text` (deprecated large varchar) as `string`. */
  text: () => nativeType(col.text(), 'text'),
  /** `ntext` (deprecated large nvarchar) as `string`. */
  ntext: () => nativeType(col.text(), 'ntext'),
  /** `xml` as the `string` of the document (SQL Server's own serialisation). */
  xml: () => nativeType(col.text(), 'xml'),
  /** `binary(n)` as `Buffer`. */
  binary: (length = 1) => nativeType(col.bytea(), `binary(${lengthOf(length, 'binary', 8000)})`),
  /** `varbinary(n|'max')` as `Buffer`. */
  varbinary: (length: Length) =>
    nativeType(col.bytea(), `varbinary(${lengthOf(length, 'varbinary', 8000)})`),
  /** `image` (deprecated large varbinary) as `Buffer`. */
  image: () => nativeType(col.bytea(), 'image'),
  /**
   * `rowversion` (the database's change counter, 8 bytes) as `bigint`: the natural incremental
   * cursor (`mssql.rowversion().cursor()`); the saved cursor is its decimal text.
   */
  rowversion: () => nativeType(col.bigint(), 'rowversion'),
};

/**
 * The type of a column as `sys.columns` and `sys.types` describe it, spelled as SQL Server
 * declares it. `max_length` is in bytes: an `nvarchar(50)` or `nchar(10)` says 100 or 20, so the
 * n-types' lengths are halved; -1 is `max`. `scale` is the fractional seconds of time,
 * datetime2 and datetimeoffset. `timestamp` is rowversion, `numeric` decimal.
 */
export function typeFromCatalog(
  typeName: string,
  maxLength: number,
  precision: number,
  scale: number,
): SqlServerType {
  const name = ALIASES[typeName.toLowerCase()] ?? typeName.toLowerCase();
  switch (name) {
    case 'nchar':
    case 'nvarchar':
      return { name, length: maxLength === -1 ? 'max' : maxLength / 2 };
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return { name, length: maxLength === -1 ? 'max' : maxLength };
    case 'decimal':
      return { name, precision, scale };
    case 'time':
    case 'datetime2':
    case 'datetimeoffset':
      return { name, scale };
    case 'float':
      return precision <= 24 ? { name: 'real' } : { name };
    default:
      return { name };
  }
}
