import { z } from 'zod';

import { WORDS } from './_words.ts';

/**
 * The column kinds a contract can describe. Each kind fixes how a value is represented in
 * TypeScript (see the `col` constructors) and which SQL type it stands for.
 */
export type ColumnKind =
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'text'
  | 'varchar'
  | 'char'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'bytea'
  | 'jsonb'
  | 'uuid'
  | 'enum'
  | 'array'
  | 'custom';

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
  /** Maximum length in characters (`varchar(n)`, `char(n)`). */
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
  /** Validates a non-null value. */
  readonly valueSchema: z.ZodType;
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
  readonly #valueSchema: z.ZodType;

  constructor(state: BuilderState<NonNullable<TValue>>) {
    this.meta = state.meta;
    this.sourceName = state.sourceName;
    this.generate = state.generate;
    this.#valueSchema = state.valueSchema;
  }

  /** The zod schema of one value, `null` included when the column is nullable. */
  get zod(): z.ZodType<TValue> {
    const schema = this.meta.nullable ? this.#valueSchema.nullable() : this.#valueSchema;
    return schema as z.ZodType<TValue>;
  }

  /** Allows `null`. The row type becomes `TValue | null` (the key stays required). */
  nullable(): ColumnBuilder<TValue | null> {
    return this.#with({ nullable: true }) as ColumnBuilder<TValue | null>;
  }

  /** Marks the column as (part of) the primary key. A key column may not be nullable. */
  primaryKey(): ColumnBuilder<TValue> {
    return this.#with({ primaryKey: true });
  }

  /** Marks the column as the incremental cursor (at most one per table). */
  cursor(): ColumnBuilder<TValue> {
    return this.#with({ cursor: true });
  }

  /** Names the column in the source system when it differs from the contract's key. */
  source(name: string): ColumnBuilder<TValue> {
    return new ColumnBuilder<TValue>({ ...this.#state(), sourceName: name });
  }

  /**
   * States the SQL type as the table's own database spells it, keeping the kind (and so the
   * TypeScript type, validation and factory): how a database adapter's column builders
   * describe a source that is not PostgreSQL, e.g. `nvarchar(50)` for SQL Server's `mssql.nvarchar(50)`.
   * The drift check compares it through that database's dialect.
   */
  nativeType(sqlType: string): ColumnBuilder<TValue> {
    if (sqlType.trim() === '') throw new TypeError('nativeType() takes a non-empty SQL type');
    return this.#with({ sqlType });
  }

  /** Says what the column means; shown in the spec output. */
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

/** Options of integer columns. */
export interface IntegerOptions {
  /** Smallest allowed value (inclusive), e.g. from a domain's CHECK. */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** The SQL domain the column is declared with, e.g. `year`. */
  domain?: string;
}

/** Options of enum columns. */
export interface EnumOptions {
  /** The SQL enum type (e.g. `mpaa_rating`); without it the column is `text` with a CHECK. */
  typeName?: string;
}

/** Options of custom columns. */
export interface CustomOptions<TValue> {
  /** Validates a non-null value; defaults to any string. */
  zod?: z.ZodType<TValue>;
  /** Makes a value for test factories; defaults to a short lowercase word for string columns. */
  generate?: ValueGenerator<TValue>;
}

/** A string-valued custom column, e.g. `col.custom('tsvector')`. */
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
    options.zod ?? z.string(),
    options.generate ?? (options.zod === undefined ? word : undefined),
  );
}

const TEXT_WITHOUT_NUL = 'PostgreSQL text cannot contain the NUL character (\\u0000)';

function scalar<TValue>(
  meta: Omit<ColumnMeta, 'nullable' | 'primaryKey' | 'cursor'>,
  valueSchema: z.ZodType,
  generate?: ValueGenerator<TValue>,
): ColumnBuilder<TValue> {
  return new ColumnBuilder<TValue>({
    meta: { ...meta, nullable: false, primaryKey: false, cursor: false },
    valueSchema,
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
    z.int().min(min).max(max),
  );
}

function text(kind: 'text' | 'varchar' | 'char', sqlType: string, maxLength?: number) {
  let schema = z.string().refine((value) => !value.includes('\u0000'), TEXT_WITHOUT_NUL);
  if (maxLength !== undefined)
    schema = schema.refine((v) => v.length <= maxLength, tooLong(maxLength));
  return scalar<string>(
    { kind, sqlType, ...(maxLength === undefined ? {} : { maxLength }) },
    schema,
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

/** Pattern of a decimal string with at most `precision - scale` integer and `scale` fraction digits. */
function numericPattern(precision?: number, scale?: number): RegExp {
  if (precision === undefined) return /^-?\d+(\.\d+)?$/;
  const s = scale ?? 0;
  const integerDigits = precision - s;
  // Leading zeros do not count against the precision, as in PostgreSQL.
  const integerPart = integerDigits > 0 ? `0*\\d{1,${integerDigits}}` : '0*';
  const fractionPart = s > 0 ? `(\\.\\d{1,${s}})?` : '';
  return new RegExp(`^-?${integerPart}${fractionPart}$`);
}

/**
 * Column constructors. Value representations:
 * - `smallint`, `integer`: `number` (checked to be an integer in the type's range).
 * - `bigint`: `bigint`, because int8 does not fit a double.
 * - `numeric(p,s)`: a decimal `string` such as `"4.99"`, so no precision is lost; at most
 *   `p - s` integer digits and `s` fraction digits (PostgreSQL would round extra fraction
 *   digits; the contract rejects them instead). `NaN` and infinities are not accepted.
 * - `text`, `varchar(n)`, `char(n)`: `string` without NUL characters, at most `n` characters.
 * - `boolean`: `boolean`.
 * - `date`: an ISO calendar date `string` (`"2022-02-14"`): a date has no time zone, and a
 *   `Date` would invent one.
 * - `timestamp`, `timestamptz`: `Date`. A `timestamp` (without time zone) is read as UTC, so
 *   loaders must run their sessions with `TimeZone=UTC`.
 * - `bytea`: `Buffer`.
 * - `jsonb`: a {@link JsonValue}.
 * - `uuid`: a `string` of 32 hex digits in 8-4-4-4-12 groups, either case: any value
 *   PostgreSQL's `uuid` and SQL Server's `uniqueidentifier` hold, whatever its RFC 9562
 *   version and variant bits (`NEWSEQUENTIALID()` and hand-made ids are not version 4).
 * - enum: the union of its values.
 * - arrays: a JS array of the element's representation.
 * - custom (e.g. `tsvector`): whatever its zod schema says, a `string` by default.
 */
export const col = {
  /** `smallint` (int2) as `number`. */
  smallint: (options: IntegerOptions = {}) => boundedInteger('smallint', -32768, 32767, options),
  /** `integer` (int4) as `number`; `min`/`max`/`domain` describe a domain such as pagila's `year`. */
  integer: (options: IntegerOptions = {}) =>
    boundedInteger('integer', -2147483648, 2147483647, options),
  /** `bigint` (int8) as `bigint`. */
  bigint: () =>
    scalar<bigint>(
      { kind: 'bigint', sqlType: 'bigint' },
      z
        .bigint()
        .min(-(2n ** 63n))
        .max(2n ** 63n - 1n),
    ),
  /** `numeric(precision, scale)`, or unconstrained `numeric`, as a decimal `string`. */
  numeric: (precision?: number, scale = 0) => {
    if (precision === undefined) {
      return scalar<string>(
        { kind: 'numeric', sqlType: 'numeric' },
        z.string().regex(numericPattern()),
      );
    }
    positiveInteger(precision, 'numeric precision');
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new RangeError(`numeric scale must be an integer in [0, ${precision}], got ${scale}`);
    }
    return scalar<string>(
      { kind: 'numeric', sqlType: `numeric(${precision},${scale})`, precision, scale },
      z.string().regex(numericPattern(precision, scale), `not a numeric(${precision},${scale})`),
    );
  },
  /** `text` as `string`. */
  text: () => text('text', 'text'),
  /** `varchar(n)` (character varying) as `string` of at most `n` characters. */
  varchar: (maxLength: number) =>
    text('varchar', `varchar(${positiveInteger(maxLength, 'varchar length')})`, maxLength),
  /** `char(n)` (character, blank-padded by PostgreSQL) as `string` of at most `n` characters. */
  char: (length: number) => text('char', `char(${positiveInteger(length, 'char length')})`, length),
  /** `boolean`. */
  boolean: () => scalar<boolean>({ kind: 'boolean', sqlType: 'boolean' }, z.boolean()),
  /** `date` as an ISO `YYYY-MM-DD` string. */
  date: () => scalar<string>({ kind: 'date', sqlType: 'date' }, z.iso.date()),
  /** `timestamp without time zone` as `Date`, read as UTC. */
  timestamp: () =>
    scalar<Date>({ kind: 'timestamp', sqlType: 'timestamp without time zone' }, z.date()),
  /** `timestamp with time zone` as `Date`. */
  timestamptz: () =>
    scalar<Date>({ kind: 'timestamptz', sqlType: 'timestamp with time zone' }, z.date()),
  /** `bytea` as `Buffer`. */
  bytea: () => scalar<Buffer>({ kind: 'bytea', sqlType: 'bytea' }, z.instanceof(Buffer)),
  /** `jsonb` as a {@link JsonValue}. */
  jsonb: () => scalar<JsonValue>({ kind: 'jsonb', sqlType: 'jsonb' }, z.json()),
  /** `uuid` as `string`. */
  uuid: () => scalar<string>({ kind: 'uuid', sqlType: 'uuid' }, z.guid()),
  /**
   * An enum-like column: a SQL enum type when `typeName` is given (pagila's `mpaa_rating`),
   * otherwise `text` restricted to the values. The TypeScript type is the union of the values.
   */
  enum: <const TValues extends readonly [string, ...string[]]>(
    values: TValues,
    options: EnumOptions = {},
  ) =>
    scalar<TValues[number]>(
      { kind: 'enum', sqlType: options.typeName ?? 'text', values: [...values] },
      z.enum(values),
    ),
  /**
   * An array of a scalar column, e.g. `col.array(col.text())` for `text[]`. Elements are
   * non-null unless the element column is `.nullable()`.
   */
  array: <TElement>(element: ColumnBuilder<TElement>) => {
    if (element.meta.kind === 'array') {
      // PostgreSQL arrays are not nested arrays but multi-dimensional ones; not modelled yet.
      throw new TypeError('col.array() takes a scalar column, not another array');
    }
    return scalar<TElement[]>(
      { kind: 'array', sqlType: `${element.meta.sqlType}[]`, element: element.meta },
      z.array(element.zod),
      element.generate === undefined
        ? undefined
        : (random) => {
            const generate = element.generate as ValueGenerator<TElement>;
            return Array.from({ length: random.int(0, 3) }, () => generate(random));
          },
    );
  },
  /**
   * The escape hatch for SQL types without a kind of their own (`tsvector`, `inet`, ...):
   * the SQL type as text and, optionally, a zod schema for values (default: any string) and a
   * generator for factories (default: a short lowercase word, which suits text-like types).
   */
  custom,
};
