import { ConfigError } from '@datakit/errors';

import type { ColumnMeta, JsonValue, RandomSource } from './column.ts';
import { createRandom } from './_random.ts';
import { WORDS } from './_words.ts';
import type { AnyTable, Column, RowOf } from './table.ts';

/**
 * Options of {@link makeFactory}.
 *
 * @example
 * const factory = makeFactory(Customer, { seed: 42, nullRate: 0 }); // no nulls at all
 */
export interface FactoryOptions {
  /** Seed of the PRNG: the same seed gives the same rows. Default 1. */
  seed?: number;
  /** Probability that a nullable column is null. Default 0.2. */
  nullRate?: number;
}

/**
 * Fixed values for some columns, or a function of the row's index in `buildMany`.
 *
 * @example
 * factory.buildMany(3, { email: null });
 * factory.buildMany(3, (i) => ({ email: `user${i}@example.com` }));
 */
export type Overrides<TRow> = Partial<TRow> | ((index: number) => Partial<TRow>);

/**
 * Builds rows of one table for tests.
 *
 * @example
 * const customers = makeFactory(Customer);
 * const one = customers.build({ email: 'a@example.com' });
 * const many = customers.buildMany(100); // customer_id 2..101: keys count up across calls
 */
export interface Factory<TRow> {
  /** One row; `overrides` replace generated values as they are (not validated). */
  build(overrides?: Partial<TRow>): TRow;
  /** `count` rows; integer primary key columns count up, so keys are unique. */
  buildMany(count: number, overrides?: Overrides<TRow>): TRow[];
}

const EPOCH_2020 = Date.UTC(2020, 0, 1);
const EPOCH_2025 = Date.UTC(2025, 0, 1);

/**
 * A test factory: rows valid against `table.zod` (lengths, numeric precision and scale,
 * integer bounds, enum values, nullability), deterministic for a seed. Integer primary key
 * columns take the values 1, 2, 3, ... in build order so a batch never repeats a key. A
 * `col.custom()` column with its own zod schema needs its `generate` option, or this throws a
 * `ConfigError` naming the column.
 *
 * @example
 * const customers = makeFactory(Customer, { seed: 42 });
 * const row = customers.build({ email: null });
 * expect(Customer.zod.parse(row)).toEqual(row); // every built row passes its contract
 */
export function makeFactory<TTable extends AnyTable>(
  table: TTable,
  options: FactoryOptions = {},
): Factory<RowOf<TTable>> {
  const random = createRandom(options.seed ?? 1);
  const nullRate = options.nullRate ?? 0.2;
  const columns = Object.values(table.columns) as Column[];
  const missing = columns.filter((c) => !canGenerate(c));
  if (missing.length > 0) {
    throw new ConfigError(
      `Cannot build rows of ${table.qualifiedName}: ${missing.map((c) => `${c.name} (${c.sqlType})`).join(', ')} need a generator`,
      {
        hint: 'Pass { generate } to col.custom() for every custom column with its own zod schema.',
      },
    );
  }
  let sequence = 0;

  const build = (overrides: Partial<RowOf<TTable>> = {}): RowOf<TTable> => {
    sequence += 1;
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      row[column.name] = generateColumn(column, random, nullRate, sequence);
    }
    return { ...row, ...overrides } as RowOf<TTable>;
  };

  return {
    build,
    buildMany: (count, overrides = {}) =>
      Array.from({ length: count }, (_, index) =>
        build(typeof overrides === 'function' ? overrides(index) : overrides),
      ),
  };
}

function canGenerate(column: Column): boolean {
  if (column.generate !== undefined) return true;
  if (column.kind === 'custom') return false;
  if (column.kind === 'array') return column.element?.kind !== 'custom';
  return true;
}

function generateColumn(
  column: Column,
  random: RandomSource,
  nullRate: number,
  sequence: number,
): unknown {
  // Draw for nullability first on every nullable column, so adding an override never shifts
  // the values of other columns.
  const isNull = column.nullable && random.bool(nullRate);
  if (isNull) return null;
  if (column.primaryKey && (column.kind === 'integer' || column.kind === 'smallint')) {
    return (column.min ?? 1) - 1 + sequence;
  }
  if (column.primaryKey && column.kind === 'bigint') return BigInt(sequence);
  if (column.generate !== undefined) return column.generate(random);
  return generateValue(column, random, nullRate);
}

function generateValue(meta: ColumnMeta, random: RandomSource, nullRate: number): unknown {
  switch (meta.kind) {
    case 'smallint':
      return random.int(Math.max(meta.min ?? 0, -32768), Math.min(meta.max ?? 32767, 32767));
    case 'integer':
      return random.int(meta.min ?? 1, meta.max ?? Math.max(meta.min ?? 1, 100_000));
    case 'bigint':
      return BigInt(random.int(0, 2 ** 31)) * BigInt(random.int(1, 2 ** 20));
    case 'numeric':
      return generateNumeric(meta, random);
    case 'money':
      return `${random.int(0, 99_999)}.${String(random.int(0, 99)).padStart(2, '0')}`;
    case 'real':
      // A float4's own value, as a real column reads.
      return Math.fround(random.int(-100_000, 100_000) / 64);
    case 'double':
      return random.int(-1_000_000, 1_000_000) / 1024;
    case 'text':
    case 'varchar':
    case 'char':
    case 'tsvector':
      return meta.kind === 'tsvector'
        ? `'${random.pick(WORDS)}':${random.int(1, 9)}`
        : generateText(meta.maxLength, random);
    case 'boolean':
      return random.bool();
    case 'date':
      return new Date(random.int(EPOCH_2020, EPOCH_2025)).toISOString().slice(0, 10);
    case 'timestamp':
    case 'timestamptz':
      return new Date(random.int(EPOCH_2020, EPOCH_2025));
    case 'bytea':
      return Buffer.from(Array.from({ length: random.int(0, 16) }, () => random.int(0, 255)));
    case 'interval':
      return `P${random.int(1, 11)}M${random.int(1, 27)}DT${random.int(1, 23)}H`;
    case 'json':
      return JSON.stringify({ [random.pick(WORDS)]: random.int(0, 1000) });
    case 'inet':
      return `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    case 'cidr':
      return `10.${random.int(0, 255)}.0.0/16`;
    case 'jsonb':
      return {
        [random.pick(WORDS)]: random.int(0, 1000),
        tags: [random.pick(WORDS)],
      } satisfies JsonValue;
    case 'bit':
    case 'varbit': {
      // bit(n): exactly n bits; bit varying(n): 0 to n of them (at most 16 when unbounded).
      const length =
        meta.kind === 'bit'
          ? (meta.maxLength ?? 1)
          : random.int(0, Math.min(meta.maxLength ?? 16, 16));
      return Array.from({ length }, () => (random.bool() ? '1' : '0')).join('');
    }
    case 'xml': {
      const word = random.pick(WORDS);
      return `<${word} n="${random.int(0, 99)}">${random.pick(WORDS)}</${word}>`;
    }
    case 'uuid':
      return generateUuid(random);
    case 'enum':
      return random.pick(meta.values ?? []);
    case 'array': {
      const element = meta.element as ColumnMeta;
      return Array.from({ length: random.int(0, 3) }, () =>
        element.nullable && random.bool(nullRate) ? null : generateValue(element, random, nullRate),
      );
    }
    case 'custom':
      // canGenerate() rejected custom columns without a generator before any row was built.
      throw new TypeError(`custom column ${meta.sqlType} has no generator`);
  }
  // Every kind has a case above: a new kind fails compilation here until it has its values.
  const unknown: never = meta.kind;
  throw new TypeError(`no factory values for ${String(unknown)} columns`);
}

function generateNumeric(meta: ColumnMeta, random: RandomSource): string {
  const scale = meta.scale ?? 2;
  // Up to 9 integer digits keeps random.int() exact; more digits add nothing to a test.
  const integerDigits = Math.min(meta.precision === undefined ? 6 : meta.precision - scale, 9);
  const integerPart = integerDigits > 0 ? random.int(0, 10 ** integerDigits - 1) : 0;
  if (scale === 0) return String(integerPart);
  const fractionDigits = Math.min(scale, 9);
  const fraction = String(random.int(0, 10 ** fractionDigits - 1)).padStart(fractionDigits, '0');
  return `${integerPart}.${fraction}`;
}

function generateText(maxLength: number | undefined, random: RandomSource): string {
  const words = Array.from({ length: random.int(1, 3) }, () => random.pick(WORDS));
  const text = words.join(' ');
  return maxLength === undefined ? text : text.slice(0, maxLength).trimEnd() || 'x';
}

function generateUuid(random: RandomSource): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4'; // version 4
  hex[16] = ['8', '9', 'a', 'b'][random.int(0, 3)] as string; // RFC 9562 variant
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
