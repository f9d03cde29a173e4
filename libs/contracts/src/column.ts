import * as z from 'zod';

import { WORDS } from './_words.ts';
import {
  isBitString,
  isCidr,
  isDouble,
  isInet,
  isInterval,
  isJsonText,
  isMoney,
  isPgDate,
  isPgTimestamp,
  isReal,
  isXmlText,
} from './pg-values.ts';

/**
 * The column kinds a contract can describe. Each kind fixes how a value is represented in
 * TypeScript (see the `col` constructors) and which SQL type it stands for.
 */
export type ColumnKind =
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'money'
  | 'real'
  | 'double'
  | 'text'
  | 'varchar'
  | 'char'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'bytea'
  | 'jsonb'
  | 'json'
  | 'interval'
  | 'inet'
  | 'cidr'
  | 'tsvector'
  | 'bit'
  | 'varbit'
  | 'xml'
  | 'uuid'
  | 'enum'
  | 'array'
  | 'custom';

/**
 * PostgreSQL's `infinity` and `-infinity`, which `date`, `timestamp` and `timestamptz` columns
 * hold besides dates: later (earlier) than every other value.
 */
export type PgInfinity = 'infinity' | '-infinity';

/** A `timestamp` or `timestamptz` value: an instant, or one of PostgreSQL's infinities. */
export type TimestampValue = Date | PgInfinity;

/** A JSON value as stored in a `jsonb` column. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The random numbers a factory hands to a custom column's generator. Deterministic per seed. */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** `true` with the given probability (default one half). */
  bool(probability?: number): boolean;
  /** One of the items, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Everything a contract states about one column, as plain data: what the spec output, the
 * contract hash, drift checks and DDL read. Optional fields are absent when they do not apply.
 */
export interface ColumnMeta {
  /** The kind, which fixes the TypeScript representation. */
  readonly kind: ColumnKind;
  /**
   * The SQL type as the table's database spells it: PostgreSQL for the `col` kinds, e.g.
   * `integer`, `varchar(45)`, `numeric(5,2)`, `text[]`; another database's spelling through
   * {@link ColumnBuilder.nativeType}, e.g. `nvarchar(50)`.
   */
  readonly sqlType: string;
  /** Whether `null` is a valid value. */
  readonly nullable: boolean;
  /** Whether the column is part of the primary key (composite keys mark several columns). */
  readonly primaryKey: boolean;
  /** Whether the column is the incremental cursor: loads resume after its highest value seen. */
  readonly cursor: boolean;
  /**
   * Maximum length in characters (`varchar(n)`, `char(n)`), or in bits: the exact length of a
   * `bit(n)`, the maximum of a `bit varying(n)`.
   */
  readonly maxLength?: number;
  /** Total number of significant digits (`numeric(p,s)`). */
  readonly precision?: number;
  /** Digits after the decimal point (`numeric(p,s)`). */
  readonly scale?: number;
  /** Smallest allowed value of an integer column, e.g. from a domain's CHECK. */
  readonly min?: number;
  /** Largest allowed value of an integer column, e.g. from a domain's CHECK. */
  readonly max?: number;
  /** The allowed values of an enum column, in declaration order. */
  readonly values?: readonly string[];
  /** The SQL domain the column is declared with (e.g. `year`), when it has one. */
  readonly domain?: string;
  /** The element of an array column. */
  readonly element?: ColumnMeta;
  /** What the column means, for people reading the spec. */
  readonly description?: string;
}

/** Makes one value for a column in a test factory. */
export type ValueGenerator<TValue> = (random: RandomSource) => TValue;

/** What a builder carries besides its metadata; internal to the contracts library. */
interface BuilderState<TValue> {
  readonly meta: ColumnMeta;
  /**
   * Makes the schema that validates a non-null value, once (see {@link once}): schemas are
   * built when first asked for, so a datakit's start builds none for the columns it never
   * words a failure of.
   */
  readonly valueSchema: () => z.ZodType;
  /** The column name in the source system when it differs from the contract's name. */
  readonly sourceName: string | undefined;
  /** A generator for kinds the factory cannot derive from metadata (custom columns). */
  readonly generate: ValueGenerator<TValue> | undefined;
}

/**
 * One column while a table is being defined. Immutable: every modifier returns a new builder,
 * so a builder can be shared between tables (`const id = col.integer().primaryKey()`).
 *
 * `TValue` is the TypeScript type of the column's values, `| null` once `.nullable()` is called.
 *
 * @example
 * const id = col.integer().primaryKey();
 * const note = col.varchar(200).nullable().describe('Free text from the clerk');
 * note.meta; // { kind: 'varchar', sqlType: 'varchar(200)', maxLength: 200, nullable: true, ... }
 * note.zod.parse(null); // ok: nullable
 */
export class ColumnBuilder<TValue> {
  /** Type-level marker carrying the value type; never set at runtime. */
  declare readonly '~value': TValue;
  /** The column's metadata so far. */
  readonly meta: ColumnMeta;
  /** The column name in the source system, when it differs from the contract's name. */
  readonly sourceName: string | undefined;
  /** Custom value generator for test factories, if any. */
  readonly generate: ValueGenerator<NonNullable<TValue>> | undefined;
  readonly #valueSchema: () => z.ZodType;
  #zod: z.ZodType | undefined;

  constructor(state: BuilderState<NonNullable<TValue>>) {
    this.meta = state.meta;
    this.sourceName = state.sourceName;
    this.generate = state.generate;
    this.#valueSchema = state.valueSchema;
  }

  /** The zod schema of one value, `null` included when the column is nullable. */
  get zod(): z.ZodType<TValue> {
    this.#zod ??= this.meta.nullable ? this.#valueSchema().nullable() : this.#valueSchema();
    return this.#zod as z.ZodType<TValue>;
  }

  /**
   * Allows `null`. The row type becomes `TValue | null` (the key stays required).
   *
   * @example
   * const email = col.text().nullable(); // string | null
   */
  nullable(): ColumnBuilder<TValue | null> {
    return this.#with({ nullable: true }) as ColumnBuilder<TValue | null>;
  }

  /**
   * Marks the column as (part of) the primary key. A key column may not be nullable. A
   * composite key marks each of its columns.
   *
   * @example
   * const OrderLine = defineTable({
   *   name: 'order_line',
   *   columns: {
   *     order_id: col.integer().primaryKey(),
   *     line_no: col.smallint().primaryKey(),
   *     sku: col.text(),
   *   },
   * });
   * OrderLine.primaryKey; // ['order_id', 'line_no']
   */
  primaryKey(): ColumnBuilder<TValue> {
    return this.#with({ primaryKey: true });
  }

  /**
   * Marks the column as the incremental cursor (at most one per table): a load reads only the
   * rows after the highest value the previous run saw (a merge reads from that value on when
   * several rows can share one, see `cursorIsUnique`).
   *
   * @example
   * const last_update = col.timestamptz().cursor();
   */
  cursor(): ColumnBuilder<TValue> {
    return this.#with({ cursor: true });
  }

  /**
   * Names the column in the source system when it differs from the contract's key: mixed-case,
   * reserved or spaced names, given as the database spells them, unquoted. The contract (and
   * every target table) uses the key, which must match `^[a-z_][a-z0-9_$]*$`.
   *
   * @example
   * columns: {
   *   customer_id: col.integer().primaryKey().source('CustomerID'), // reads "CustomerID"
   *   select_flag: col.boolean().source('Select'), // reads "Select"
   *   order: col.integer(), // a reserved word that is lowercase needs no .source()
   * }
   */
  source(name: string): ColumnBuilder<TValue> {
    return new ColumnBuilder<TValue>({ ...this.#state(), sourceName: name });
  }

  /**
   * States the SQL type as the table's own database spells it, keeping the kind (and so the
   * TypeScript type, validation and factory): how a database adapter's column builders
   * describe a source that is not PostgreSQL, e.g. `nvarchar(50)` for SQL Server's `mssql.nvarchar(50)`.
   * The drift check compares it through that database's dialect.
   *
   * @example
   * const name = col.text().nativeType('nvarchar(50)'); // what mssql.nvarchar(50) returns
   * const shipped_at = col.timestamp().nativeType('timestamp(3) without time zone');
   */
  nativeType(sqlType: string): ColumnBuilder<TValue> {
    if (sqlType.trim() === '') throw new TypeError('nativeType() takes a non-empty SQL type');
    return this.#with({ sqlType });
  }

  /**
   * Declares the SQL domain the source column is of (e.g. `sku` over `text`), keeping the kind:
   * the drift check then expects that domain over the kind's SQL type; a target table the
   * loader creates gets the base type (the domain is the source's, not the warehouse's).
   *
   * @example
   * const sku = col.text().domain('sku'); // source: sku (a domain over text); target: text
   */
  domain(name: string): ColumnBuilder<TValue> {
    if (name.trim() === '') throw new TypeError('domain() takes a non-empty domain name');
    return this.#with({ domain: name });
  }

  /**
   * Says what the column means; shown in the spec output.
   *
   * @example
   * const amount = col.numeric(5, 2).describe('Amount paid, in USD');
   */
  describe(text: string): ColumnBuilder<TValue> {
    return this.#with({ description: text });
  }

  #state(): BuilderState<NonNullable<TValue>> {
    return {
      meta: this.meta,
      valueSchema: this.#valueSchema,
      sourceName: this.sourceName,
      generate: this.generate,
    };
  }

  #with(patch: Partial<ColumnMeta>): ColumnBuilder<TValue> {
    return new ColumnBuilder<TValue>({ ...this.#state(), meta: { ...this.meta, ...patch } });
  }
}

/** The value type of a column builder. */
export type ValueOf<TBuilder> = TBuilder extends ColumnBuilder<infer TValue> ? TValue : never;

/**
 * Options of `col.smallint()` and `col.integer()`.
 *
 * @example
 * // pagila: CREATE DOMAIN year AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)
 * const release_year = col.integer({ min: 1901, max: 2155, domain: 'year' }).nullable();
 */
export interface IntegerOptions {
  /** Smallest allowed value (inclusive), e.g. from a domain's CHECK. */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** The SQL domain the column is declared with, e.g. `year`. */
  domain?: string;
}

/**
 * Options of `col.enum()`.
 *
 * @example
 * const rating = col.enum(['G', 'PG', 'PG-13', 'R', 'NC-17'], { typeName: 'mpaa_rating' });
 */
export interface EnumOptions {
  /**
   * The SQL enum type (e.g. `mpaa_rating`); without it the column is `text` restricted (by the
   * contract) to the values. A target table the loader creates gets an enum type of this name
   * and these values in its own schema when that schema has none yet.
   */
  typeName?: string;
}

/**
 * Options of `col.custom()`.
 *
 * @example
 * const point = col.custom('point', {
 *   zod: z.object({ x: z.number(), y: z.number() }),
 *   generate: (random) => ({ x: random.int(0, 9), y: random.int(0, 9) }),
 * });
 */
export interface CustomOptions<TValue> {
  /** Validates a non-null value; defaults to any string. */
  zod?: z.ZodType<TValue>;
  /** Makes a value for test factories; defaults to a short lowercase word for string columns. */
  generate?: ValueGenerator<TValue>;
}

/** A string-valued custom column, e.g. `col.custom('macaddr')`. */
function custom(
  sqlType: string,
  options?: { generate?: ValueGenerator<string> },
): ColumnBuilder<string>;
/** A custom column whose values the zod schema describes. */
function custom<TValue>(
  sqlType: string,
  options: CustomOptions<TValue> & { zod: z.ZodType<TValue> },
): ColumnBuilder<TValue>;
function custom(sqlType: string, options: CustomOptions<unknown> = {}): ColumnBuilder<unknown> {
  const word: ValueGenerator<unknown> = (random) => random.pick(WORDS);
  return scalar<unknown>(
    { kind: 'custom', sqlType },
    () => options.zod ?? z.string(),
    options.generate ?? (options.zod === undefined ? word : undefined),
  );
}

const TIMESTAMP_PROBLEM =
  'a timestamp (a valid Date from 4714-11-24 BC, "infinity" or "-infinity")';

/** A zod issue message: `expected <what>, received <the value, briefly>`. */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, received ${received(issue.input)}` };
}

function received(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : 'Date';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/**
 * The message of a value that is not a one-dimensional array: PostgreSQL's text of a
 * multi-dimensional (`{{1,2},{3,4}}`) or offset (`[0:1]={1,2}`) array says why.
 */
function arrayProblem(sqlType: string, input: unknown): string {
  const text = typeof input === 'string' ? input : '';
  const why = /^\[|^\{\s*\{/.test(text)
    ? ': a multi-dimensional array or one not starting at index 1, which contracts do not describe (only one-dimensional arrays from 1)'
    : '';
  return `expected an array (${sqlType}), received ${received(input)}${why}`;
}

/** `make`, called the first time only; the builders of one column share its schema. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

const TEXT_WITHOUT_NUL = 'PostgreSQL text cannot contain the NUL character (\\u0000)';

function scalar<TValue>(
  meta: Omit<ColumnMeta, 'nullable' | 'primaryKey' | 'cursor'>,
  valueSchema: () => z.ZodType,
  generate?: ValueGenerator<TValue>,
): ColumnBuilder<TValue> {
  return new ColumnBuilder<TValue>({
    meta: { ...meta, nullable: false, primaryKey: false, cursor: false },
    valueSchema: once(valueSchema),
    sourceName: undefined,
    generate: generate as ValueGenerator<NonNullable<TValue>> | undefined,
  });
}

function boundedInteger(
  kind: 'smallint' | 'integer',
  lowest: number,
  highest: number,
  options: IntegerOptions,
): ColumnBuilder<number> {
  const min = Math.max(lowest, options.min ?? lowest);
  const max = Math.min(highest, options.max ?? highest);
  const bounds = {
    ...(options.min === undefined ? {} : { min }),
    ...(options.max === undefined ? {} : { max }),
  };
  return scalar<number>(
    { kind, sqlType: kind, ...bounds, ...(options.domain ? { domain: options.domain } : {}) },
    () => z.int().min(min).max(max),
  );
}

function text(kind: 'text' | 'varchar' | 'char', sqlType: string, maxLength?: number) {
  return scalar<string>(
    { kind, sqlType, ...(maxLength === undefined ? {} : { maxLength }) },
    () => {
      const schema = z.string().refine((value) => !value.includes('\u0000'), TEXT_WITHOUT_NUL);
      return maxLength === undefined
        ? schema
        : schema.refine((v) => v.length <= maxLength, tooLong(maxLength));
    },
  );
}

function tooLong(maxLength: number): string {
  return `longer than ${maxLength} characters`;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/** `bit(n)` (exactly `n` bits) or `bit varying(n)` (at most `n`; unbounded without `n`). */
function bitString(kind: 'bit' | 'varbit', length: number | undefined): ColumnBuilder<string> {
  const sqlType =
    kind === 'bit'
      ? `bit(${positiveInteger(length ?? 1, 'bit length')})`
      : length === undefined
        ? 'bit varying'
        : `bit varying(${positiveInteger(length, 'bit varying length')})`;
  const what =
    kind === 'bit'
      ? `a ${sqlType} value (exactly ${length ?? 1} of 0 and 1)`
      : `a ${sqlType} value (${length === undefined ? 'any number' : `at most ${length}`} of 0 and 1)`;
  return scalar<string>(
    { kind, sqlType, ...(length === undefined ? {} : { maxLength: length }) },
    () => z.custom<string>((value) => isBitString(value, length, kind === 'bit'), expected(what)),
  );
}

/**
 * Pattern of a decimal string with at most `precision - scale` integer and `scale` fraction
 * digits, or `NaN`; unconstrained, also `Infinity` and `-Infinity`.
 */
export function numericPattern(precision?: number, scale?: number): RegExp {
  if (precision === undefined) return /^(-?\d+(\.\d+)?|NaN|-?Infinity)$/;
  const s = scale ?? 0;
  const integerDigits = precision - s;
  // Leading zeros do not count against the precision, as in PostgreSQL.
  const integerPart = integerDigits > 0 ? `0*\\d{1,${integerDigits}}` : '0*';
  const fractionPart = s > 0 ? `(\\.\\d{1,${s}})?` : '';
  return new RegExp(`^(-?${integerPart}${fractionPart}|NaN)$`);
}

/**
 * Column constructors: `col.<kind>(options)` gives a {@link ColumnBuilder}, whose modifiers
 * (`.nullable()`, `.primaryKey()`, `.cursor()`, `.source(name)`, `.domain(name)`,
 * `.nativeType(sqlType)`, `.describe(text)`) each return a new builder.
 *
 * Value representations (each exact: a value read from PostgreSQL and written back is the value
 * it was, in text and in binary COPY):
 * - `smallint`, `integer`: `number` (checked to be an integer in the type's range).
 * - `bigint`: `bigint`, because int8 does not fit a double.
 * - `numeric(p,s)`: a decimal `string` such as `"4.99"`, so no precision is lost; at most
 *   `p - s` integer digits and `s` fraction digits (PostgreSQL would round extra fraction
 *   digits; the contract rejects them instead). `"NaN"` is a numeric too; unconstrained
 *   `numeric` also holds `"Infinity"` and `"-Infinity"` (PostgreSQL refuses them in `numeric(p,s)`).
 * - `money`: a decimal `string` of at most two fraction digits, no currency symbol or
 *   separators (`"-1234.56"`), in the range of its 64-bit count of cents; loaders read and write
 *   it with `lc_monetary = 'C'`.
 * - `real`, `double precision`: `number`; `NaN`, `Infinity`, `-Infinity` and `-0` included. A
 *   `real` is the float4's own value (`0.1` reads as `0.10000000149011612`); a number a transform
 *   computes is rounded to the nearest float4 by PostgreSQL, and one that would overflow or
 *   underflow to zero is rejected.
 * - `text`, `varchar(n)`, `char(n)`: `string` without NUL characters, at most `n` characters.
 * - `boolean`: `boolean`.
 * - `date`: PostgreSQL's ISO text (`"2022-02-14"`, `"0044-03-15 BC"`, `"10000-01-01"`,
 *   `"infinity"`, `"-infinity"`): a date has no time zone, and a `Date` would invent one.
 * - `timestamp`, `timestamptz`: a {@link TimestampValue}, a `Date` (BC dates included) or the
 *   string `"infinity"` or `"-infinity"`. A `timestamp` (without time zone) is read as UTC, so
 *   loaders run their sessions with `TimeZone=UTC`. A `Date` keeps milliseconds: microseconds
 *   survive when the value passes through a transform unchanged (loaders then copy the
 *   source's own field), not when a transform makes a new `Date`.
 * - `interval`: ISO 8601 text as PostgreSQL prints it with IntervalStyle `iso_8601`
 *   (`"P1Y2M3DT4H5M6.789S"`, `"P-10M-3DT-4H"`, `"PT0S"`): months, days and microseconds are
 *   kept apart, as PostgreSQL keeps them (`P1D` is not `PT24H`). See `parseInterval`.
 * - `bytea`: `Buffer`.
 * - `jsonb`: a {@link JsonValue}.
 * - `json`: the document's text as a `string`, byte for byte (whitespace, key order and
 *   repeated keys kept, as PostgreSQL's `json` keeps them); parse it yourself.
 * - `inet`, `cidr`: PostgreSQL's text (`"192.0.2.1/24"`, `"::1"`, `"198.0.0.0/8"`); a `cidr`
 *   has its prefix length and no bits set past it.
 * - `tsvector`: PostgreSQL's text (`"'cat':2 'fat':1A"`).
 * - `bit(n)`: a `string` of exactly `n` characters `0` or `1` (`"10100101"`); `bit varying(n)`:
 *   at most `n` of them, the empty string included (`""` is a bit string of length 0).
 * - `xml`: the document's (or content's) text as PostgreSQL prints it, byte for byte. The
 *   contract checks only that it is text without NUL; PostgreSQL checks that it is well formed
 *   when the value is written (values read from PostgreSQL always are).
 * - `uuid`: a `string` of 32 hex digits in 8-4-4-4-12 groups, either case: any value
 *   PostgreSQL's `uuid` and SQL Server's `uniqueidentifier` hold, whatever its RFC 9562
 *   version and variant bits (`NEWSEQUENTIALID()` and hand-made ids are not version 4).
 * - enum: the union of its values.
 * - arrays: a JS array of the element's representation, one-dimensional with lower bound 1
 *   (`[]` is an empty array, `null` a NULL one). Multi-dimensional arrays have no kind (see
 *   `col.array`): such a value is read as PostgreSQL's text and the row is rejected.
 * - custom: whatever its zod schema says, a `string` by default.
 *
 * @example
 * const Order = defineTable({
 *   name: 'order',
 *   sourceName: 'Order',
 *   columns: {
 *     order_id: col.integer().primaryKey(),
 *     customer_id: col.integer().source('CustomerID'),
 *     total: col.numeric(10, 2),
 *     status: col.enum(['new', 'paid', 'shipped'], { typeName: 'order_status' }),
 *     tags: col.array(col.text().nullable()),
 *     attributes: col.jsonb().nullable(),
 *     placed_at: col.timestamptz().cursor(),
 *   },
 * });
 */
export const col = {
  /**
   * `smallint` (int2) as `number`.
   *
   * @example
   * const quantity = col.smallint({ min: 1 }); // 1 to 32767
   */
  smallint: (options: IntegerOptions = {}) => boundedInteger('smallint', -32768, 32767, options),
  /**
   * `integer` (int4) as `number`; `min`/`max`/`domain` describe a domain such as pagila's `year`.
   *
   * @example
   * const customer_id = col.integer().primaryKey();
   * const release_year = col.integer({ min: 1901, max: 2155, domain: 'year' });
   */
  integer: (options: IntegerOptions = {}) =>
    boundedInteger('integer', -2147483648, 2147483647, options),
  /**
   * `bigint` (int8) as `bigint`.
   *
   * @example
   * const event_id = col.bigint().primaryKey(); // 9007199254740993n, never a rounded number
   */
  bigint: () =>
    scalar<bigint>({ kind: 'bigint', sqlType: 'bigint' }, () =>
      z
        .bigint()
        .min(-(2n ** 63n))
        .max(2n ** 63n - 1n),
    ),
  /**
   * `numeric(precision, scale)`, or unconstrained `numeric`, as a decimal `string`.
   *
   * @example
   * const amount = col.numeric(5, 2); // '4.99', '-999.99'; '4.999' is rejected, not rounded
   * const ratio = col.numeric(); // unconstrained: also 'NaN', 'Infinity'
   */
  numeric: (precision?: number, scale = 0) => {
    if (precision === undefined) {
      return scalar<string>({ kind: 'numeric', sqlType: 'numeric' }, () =>
        z.string().regex(numericPattern()),
      );
    }
    positiveInteger(precision, 'numeric precision');
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new RangeError(`numeric scale must be an integer in [0, ${precision}], got ${scale}`);
    }
    return scalar<string>(
      { kind: 'numeric', sqlType: `numeric(${precision},${scale})`, precision, scale },
      () =>
        z.string().regex(numericPattern(precision, scale), `not a numeric(${precision},${scale})`),
    );
  },
  /**
   * `text` as `string`.
   *
   * @example
   * const title = col.text();
   */
  text: () => text('text', 'text'),
  /**
   * `varchar(n)` (character varying) as `string` of at most `n` characters.
   *
   * @example
   * const first_name = col.varchar(45);
   */
  varchar: (maxLength: number) =>
    text('varchar', `varchar(${positiveInteger(maxLength, 'varchar length')})`, maxLength),
  /**
   * `char(n)` (character, blank-padded by PostgreSQL) as `string` of at most `n` characters.
   *
   * @example
   * const country_code = col.char(2); // 'DE'
   */
  char: (length: number) => text('char', `char(${positiveInteger(length, 'char length')})`, length),
  /**
   * `boolean`.
   *
   * @example
   * const active = col.boolean();
   */
  boolean: () => scalar<boolean>({ kind: 'boolean', sqlType: 'boolean' }, () => z.boolean()),
  /**
   * `money` as a decimal `string` with at most two fraction digits (`"-1234.56"`).
   *
   * @example
   * const price = col.money(); // '-1234.56', never '$1,234.56'
   */
  money: () =>
    scalar<string>({ kind: 'money', sqlType: 'money' }, () =>
      z.custom<string>(isMoney, expected('a money amount (at most 2 fraction digits, no symbol)')),
    ),
  /**
   * `real` (float4) as `number`.
   *
   * @example
   * const weight = col.real().nullable();
   */
  real: () =>
    scalar<number>({ kind: 'real', sqlType: 'real' }, () =>
      z.custom<number>(isReal, expected('a real (a number within float4 range)')),
    ),
  /**
   * `double precision` (float8) as `number`, `NaN`, infinities and `-0` included.
   *
   * @example
   * const latitude = col.double();
   */
  double: () =>
    scalar<number>({ kind: 'double', sqlType: 'double precision' }, () =>
      z.custom<number>(isDouble, expected('a number')),
    ),
  /**
   * `date` as PostgreSQL's ISO text: `"2022-02-14"`, `"0044-03-15 BC"`, `"infinity"`.
   *
   * @example
   * const birth_date = col.date().nullable(); // '1990-05-17'
   */
  date: () =>
    scalar<string>({ kind: 'date', sqlType: 'date' }, () =>
      z.custom<string>(isPgDate, expected('a date (YYYY-MM-DD[ BC], infinity or -infinity)')),
    ),
  /**
   * `timestamp without time zone` as `Date` (read as UTC) or `"infinity"`/`"-infinity"`.
   *
   * @example
   * const placed_at = col.timestamp();
   * // a timestamp(3) column: the kind, and the type as PostgreSQL spells it for the drift check
   * const shipped_at = col.timestamp().nativeType('timestamp(3) without time zone');
   */
  timestamp: () =>
    scalar<TimestampValue>({ kind: 'timestamp', sqlType: 'timestamp without time zone' }, () =>
      z.custom<TimestampValue>(isPgTimestamp, expected(TIMESTAMP_PROBLEM)),
    ),
  /**
   * `timestamp with time zone` as `Date` or `"infinity"`/`"-infinity"`.
   *
   * @example
   * const last_update = col.timestamptz().cursor();
   */
  timestamptz: () =>
    scalar<TimestampValue>({ kind: 'timestamptz', sqlType: 'timestamp with time zone' }, () =>
      z.custom<TimestampValue>(isPgTimestamp, expected(TIMESTAMP_PROBLEM)),
    ),
  /**
   * `interval` as ISO 8601 text (`"P1Y2M3DT4H5M6.789S"`).
   *
   * @example
   * const rental_duration = col.interval(); // 'P3D', 'PT1H30M'
   */
  interval: () =>
    scalar<string>({ kind: 'interval', sqlType: 'interval' }, () =>
      z.custom<string>(isInterval, expected('an ISO 8601 interval (e.g. P1Y2M3DT4H5M6.5S)')),
    ),
  /**
   * `bytea` as `Buffer`.
   *
   * @example
   * const picture = col.bytea().nullable(); // Buffer.from([0xde, 0xad])
   */
  bytea: () => scalar<Buffer>({ kind: 'bytea', sqlType: 'bytea' }, () => z.instanceof(Buffer)),
  /**
   * `jsonb` as a {@link JsonValue}.
   *
   * @example
   * const attributes = col.jsonb(); // { color: 'red', sizes: [38, 39] }
   */
  jsonb: () => scalar<JsonValue>({ kind: 'jsonb', sqlType: 'jsonb' }, () => z.json()),
  /**
   * `json` as its text, byte for byte.
   *
   * @example
   * const payload = col.json(); // '{"b": 1, "a": 2}', key order and spaces kept
   */
  json: () =>
    scalar<string>({ kind: 'json', sqlType: 'json' }, () =>
      z.custom<string>(isJsonText, expected('JSON text')),
    ),
  /**
   * `inet` as text: an IPv4 or IPv6 address with an optional prefix length.
   *
   * @example
   * const client_ip = col.inet(); // '192.0.2.1', '2001:db8::1/64'
   */
  inet: () =>
    scalar<string>({ kind: 'inet', sqlType: 'inet' }, () =>
      z.custom<string>(isInet, expected('an inet (IPv4 or IPv6 address, optional /bits)')),
    ),
  /**
   * `cidr` as text: a network with its prefix length.
   *
   * @example
   * const network = col.cidr(); // '198.51.100.0/24'
   */
  cidr: () =>
    scalar<string>({ kind: 'cidr', sqlType: 'cidr' }, () =>
      z.custom<string>(isCidr, expected('a cidr (network/bits, no bits set past the prefix)')),
    ),
  /**
   * `tsvector` as PostgreSQL's text.
   *
   * @example
   * const fulltext = col.tsvector(); // "'cat':2 'fat':1"
   */
  tsvector: () =>
    scalar<string>({ kind: 'tsvector', sqlType: 'tsvector' }, () =>
      z.string().refine((value) => !value.includes('\u0000'), TEXT_WITHOUT_NUL),
    ),
  /**
   * `bit(n)` as a `string` of exactly `n` characters `0` or `1` (PostgreSQL's `bit` alone is
   * `bit(1)`).
   *
   * @example
   * const flags = col.bit(8); // '10100101'; '101' and '1010010x' are rejected
   */
  bit: (length: number) => bitString('bit', length),
  /**
   * `bit varying(n)` (varbit) as a `string` of at most `n` characters `0` or `1`; without `n`,
   * any length. The empty string is a bit string too.
   *
   * @example
   * const mask = col.varbit(12); // '', '1', '101010101010'
   */
  varbit: (maxLength?: number) => bitString('varbit', maxLength),
  /**
   * `xml` as its text, byte for byte as PostgreSQL prints it (an XML declaration without a
   * standalone or non-default version is not printed). Accepted as text (no NUL): PostgreSQL
   * checks that a value is well formed when it is written, so a malformed value a transform
   * makes fails the load's COPY rather than one row.
   *
   * @example
   * const doc = col.xml(); // '<a b="1">x</a>', or content such as 'text <b/>'
   */
  xml: () =>
    scalar<string>({ kind: 'xml', sqlType: 'xml' }, () =>
      z.custom<string>(isXmlText, expected('xml text (without NUL characters)')),
    ),
  /**
   * `uuid` as `string`.
   *
   * @example
   * const _run_id = col.uuid(); // '6f1c2a4e-...'
   */
  uuid: () => scalar<string>({ kind: 'uuid', sqlType: 'uuid' }, () => z.guid()),
  /**
   * An enum-like column: a SQL enum type when `typeName` is given (pagila's `mpaa_rating`),
   * otherwise `text` restricted to the values. The TypeScript type is the union of the values.
   *
   * @example
   * const rating = col.enum(['G', 'PG', 'R'], { typeName: 'mpaa_rating' }); // 'G' | 'PG' | 'R'
   * const status = col.enum(['open', 'closed']); // text, restricted by the contract
   */
  enum: <const TValues extends readonly [string, ...string[]]>(
    values: TValues,
    options: EnumOptions = {},
  ) =>
    scalar<TValues[number]>(
      { kind: 'enum', sqlType: options.typeName ?? 'text', values: [...values] },
      () => z.enum(values),
    ),
  /**
   * A one-dimensional array of a scalar column, e.g. `col.array(col.text())` for `text[]`.
   * Elements are non-null unless the element column is `.nullable()`; `[]` is an empty array,
   * distinct from a NULL one (`.nullable()` on the array).
   *
   * Multi-dimensional arrays have no kind, and `col.array(col.array(...))` throws: PostgreSQL's
   * catalog records no dimensions (`integer[][]` is `integer[]` to `format_type`, and any
   * `integer[]` column may hold `'{{1,2},{3,4}}'`), so a contract could not state them and the
   * drift check could not verify them. Such a value (or one with a lower bound other than 1,
   * `'[0:1]={1,2}'`) is read as PostgreSQL's text, and its row is rejected with a message
   * saying so.
   *
   * @example
   * const tags = col.array(col.text().nullable()); // text[]: (string | null)[], e.g. ['a', null]
   * const scores = col.array(col.integer()).nullable(); // integer[], the array itself nullable
   */
  array: <TElement>(element: ColumnBuilder<TElement>) => {
    if (element.meta.kind === 'array') {
      throw new TypeError(
        'col.array() takes a scalar column, not another array: multi-dimensional arrays have no column kind (PostgreSQL records no dimensions in its catalog)',
      );
    }
    const sqlType = `${element.meta.sqlType}[]`;
    return scalar<TElement[]>(
      { kind: 'array', sqlType, element: element.meta },
      () => z.array(element.zod, { error: (issue) => arrayProblem(sqlType, issue.input) }),
      element.generate === undefined
        ? undefined
        : (random) => {
            const generate = element.generate as ValueGenerator<TElement>;
            return Array.from({ length: random.int(0, 3) }, () => generate(random));
          },
    );
  },
  /**
   * The escape hatch for SQL types without a kind of their own (`point`, `box`, `macaddr`...):
   * the SQL type as text and, optionally, a zod schema for values (default: any string) and a
   * generator for factories (default: a short lowercase word, which suits text-like types).
   *
   * @example
   * const mac = col.custom('macaddr'); // string
   * const location = col.custom('point', {
   *   zod: z.object({ x: z.number(), y: z.number() }),
   *   generate: (random) => ({ x: random.int(0, 9), y: random.int(0, 9) }),
   * });
   */
  custom,
};
