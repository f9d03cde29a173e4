import { ConfigError } from '@datakit/errors';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';

import { BronzeFilm, Film } from './_test-tables.ts';
import { col } from './column.ts';
import { makeFactory } from './make-factory.ts';
import { defineTable } from './table.ts';

describe('makeFactory', () => {
  it('builds rows that pass the table schema, for every column kind', () => {
    const rows = makeFactory(Film, { seed: 3 }).buildMany(500);

    for (const row of rows) expect(() => Film.zod.parse(row)).not.toThrow();
  });

  it('builds bit strings of their exact or greatest length, and xml, that pass their contract', () => {
    const Bits = defineTable({
      name: 'bits',
      columns: {
        id: col.integer().primaryKey(),
        flags: col.bit(8),
        mask: col.varbit(12).nullable(),
        any: col.varbit(),
        doc: col.xml(),
        many: col.array(col.bit(3).nullable()),
      },
    });
    const rows = makeFactory(Bits, { seed: 5 }).buildMany(200);
    for (const row of rows) expect(() => Bits.zod.parse(row)).not.toThrow();
    expect(rows.every((row) => row.flags.length === 8)).toBe(true);
    expect(new Set(rows.map((row) => row.mask?.length)).has(0)).toBe(true);
  });

  it('builds rows that pass an audited table schema', () => {
    for (const row of makeFactory(BronzeFilm).buildMany(100)) {
      expect(() => BronzeFilm.zod.parse(row)).not.toThrow();
    }
  });

  it('builds the same rows for the same seed', () => {
    expect(makeFactory(Film, { seed: 42 }).buildMany(20)).toEqual(
      makeFactory(Film, { seed: 42 }).buildMany(20),
    );
  });

  it('builds different rows for different seeds', () => {
    expect(makeFactory(Film, { seed: 1 }).build()).not.toEqual(
      makeFactory(Film, { seed: 2 }).build(),
    );
  });

  it('counts integer primary keys up so a batch has no duplicate keys', () => {
    const ids = makeFactory(Film)
      .buildMany(50)
      .map((row) => row.film_id);

    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('respects maximum lengths, numeric scale, domain bounds and enum values', () => {
    const rows = makeFactory(Film, { seed: 9 }).buildMany(300);

    expect(rows.every((row) => row.title.length <= 40 && row.code.length <= 5)).toBe(true);
    expect(rows.every((row) => /^\d{1,2}\.\d{2}$/.test(row.rental_rate))).toBe(true);
    expect(
      rows.every(
        (row) =>
          row.release_year === null || (row.release_year >= 1901 && row.release_year <= 2155),
      ),
    ).toBe(true);
    expect(new Set(rows.map((row) => row.rating))).toEqual(
      new Set(['G', 'PG', 'PG-13', 'R', 'NC-17', null]),
    );
  });

  it('makes nullable columns null about as often as asked, and never the others', () => {
    const rows = makeFactory(Film, { seed: 5, nullRate: 0.5 }).buildMany(400);
    const nulls = rows.filter((row) => row.description === null).length;

    expect(nulls).toBeGreaterThan(150);
    expect(nulls).toBeLessThan(250);
    expect(rows.some((row) => row.title === null)).toBe(false);
    expect(
      makeFactory(Film, { nullRate: 0 })
        .buildMany(50)
        .some((row) => row.description === null),
    ).toBe(false);
  });

  it('applies overrides to build and buildMany, also as a function of the index', () => {
    const films = makeFactory(Film);

    expect(films.build({ title: 'ACADEMY DINOSAUR', rating: null })).toMatchObject({
      title: 'ACADEMY DINOSAUR',
      rating: null,
    });
    expect(films.buildMany(3, (i) => ({ title: `film ${i}` })).map((row) => row.title)).toEqual([
      'film 0',
      'film 1',
      'film 2',
    ]);
  });

  it('uses the generator of a custom column', () => {
    const table = defineTable({
      name: 'hosts',
      columns: {
        ip: col.custom('inet', {
          zod: z.ipv4(),
          generate: (random) => `10.0.0.${random.int(1, 254)}`,
        }),
      },
    });

    for (const row of makeFactory(table).buildMany(20))
      expect(() => table.zod.parse(row)).not.toThrow();
  });

  it('refuses a custom column with its own schema but no generator', () => {
    const table = defineTable({
      name: 'hosts',
      columns: { ip: col.custom('inet', { zod: z.ipv4() }) },
    });

    expect(() => makeFactory(table)).toThrow(ConfigError);
    expect(() => makeFactory(table)).toThrow(
      'Cannot build rows of public.hosts: ip (inet) need a generator',
    );
  });
});
