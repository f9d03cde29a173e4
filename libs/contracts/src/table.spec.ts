import { ConfigError } from '@datakit/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';

import { Film } from './_test-tables.ts';
import { col } from './column.ts';
import { describeTable } from './describe-table.ts';
import type { JsonValue, TimestampValue } from './column.ts';
import { defineTable } from './table.ts';
import type { RowOf } from './table.ts';

describe('defineTable', () => {
  it('exposes column metadata keyed by the contract name', () => {
    expect(Film.columns.rental_rate).toMatchObject({
      name: 'rental_rate',
      sourceName: 'rental_rate',
      kind: 'numeric',
      sqlType: 'numeric(4,2)',
      precision: 4,
      scale: 2,
      nullable: false,
      primaryKey: false,
      cursor: false,
    });
  });

  it('keeps the source column name when a column is renamed', () => {
    expect(Film.columns.in_stock.sourceName).toBe('is_in_stock');
  });

  it('records the primary key, the cursor and the qualified name', () => {
    expect(Film.primaryKey).toEqual(['film_id']);
    expect(Film.cursor).toBe('last_update');
    expect(Film.qualifiedName).toBe('public.film');
  });

  it('keeps composite primary keys in declaration order', () => {
    const payment = defineTable({
      name: 'payment',
      columns: {
        payment_id: col.integer().primaryKey(),
        amount: col.numeric(5, 2),
        payment_date: col.timestamptz().primaryKey().cursor(),
      },
    });

    expect(payment.primaryKey).toEqual(['payment_id', 'payment_date']);
  });

  it('infers the row type from the column builders', () => {
    expectTypeOf<RowOf<typeof Film>>().toEqualTypeOf<{
      film_id: number;
      title: string;
      code: string;
      description: string | null;
      release_year: number | null;
      length: number | null;
      views: bigint;
      rental_rate: string;
      rating: 'G' | 'PG' | 'PG-13' | 'R' | 'NC-17' | null;
      special_features: string[] | null;
      fulltext: string;
      poster: Buffer | null;
      extra: JsonValue;
      released_on: string;
      in_stock: boolean;
      last_seen: TimestampValue;
      last_update: TimestampValue;
      external_id: string;
    }>();
  });

  it('builds a strict zod schema that rejects unknown and missing columns', () => {
    const row = { film_id: 1 };

    expect(Film.zod.safeParse(row).success).toBe(false);
    expect(
      defineTable({ name: 't', columns: { a: col.integer() } }).zod.safeParse({ a: 1, b: 2 })
        .success,
    ).toBe(false);
  });

  it('builds a MikroORM entity schema with source column names and exact SQL types', () => {
    const meta = Film.entity.meta;

    expect(meta.className).toBe('Film');
    expect(meta.tableName).toBe('film');
    expect(meta.schema).toBe('public');
    expect(meta.properties.in_stock).toMatchObject({
      fieldName: 'is_in_stock',
      columnType: 'boolean',
    });
    expect(meta.properties.film_id).toMatchObject({ primary: true, columnType: 'integer' });
    expect(meta.properties.rental_rate).toMatchObject({ type: 'decimal', precision: 4, scale: 2 });
    expect(meta.properties.rating).toMatchObject({
      enum: true,
      items: ['G', 'PG', 'PG-13', 'R', 'NC-17'],
      nativeEnumName: 'mpaa_rating',
      nullable: true,
    });
    expect(meta.properties.special_features).toMatchObject({ columnType: 'text[]', array: true });
  });

  it('names the entity in PascalCase unless told otherwise', () => {
    const filmActor = defineTable({ name: 'film_actor', columns: { a: col.integer() } });
    const named = defineTable({
      name: 'film_actor',
      entityName: 'Casting',
      columns: { a: col.integer() },
    });

    expect(filmActor.entity.meta.className).toBe('FilmActor');
    expect(named.entity.meta.className).toBe('Casting');
  });

  it('reports every problem of a definition at once', () => {
    const define = () =>
      defineTable({
        name: 'Bad Table',
        columns: {
          id: col.integer().primaryKey().nullable(),
          a: col.timestamptz().cursor(),
          b: col.timestamptz().cursor().source('a'),
        },
      });

    expect(define).toThrow(ConfigError);
    expect(define).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Table contract public.Bad Table is invalid:
        - table name "Bad Table" must match ^[a-z_][a-z0-9_$]*$
        - a, b are all marked .cursor(); keep exactly one
        - id is a primary key column and nullable; drop one of the two
        - a, b all read source column "a"; each needs its own]
    `);
  });

  it('keeps a source name for a table whose name needs quotes, and describes it only then', () => {
    const columns = { id: col.integer().primaryKey() };
    const renamed = defineTable({ name: 'order_lines', sourceName: 'Order Lines', columns });
    const plain = defineTable({ name: 'order_lines', columns });
    expect(renamed.sourceName).toBe('Order Lines');
    expect(plain.sourceName).toBe('order_lines');
    expect(describeTable(renamed).sourceName).toBe('Order Lines');
    expect('sourceName' in describeTable(plain)).toBe(false);
    expect(() => defineTable({ name: 'x', sourceName: ' ', columns })).toThrow(
      /sourceName is empty/,
    );
  });
});
