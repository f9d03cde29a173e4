import { describe, expect, it } from 'vitest';

import { Film } from './_test-tables.ts';
import { makeFactory } from './make-factory.ts';
import { validateRow, validateRows } from './validate-rows.ts';

describe('validateRows', () => {
  const films = makeFactory(Film, { seed: 11 });

  it('splits rows into valid and rejected, keeping input order', () => {
    const good = films.buildMany(3);
    const bad = { ...films.build(), title: 42 };

    const result = validateRows(Film, [good[0], bad, good[1], good[2]]);

    expect(result.valid).toEqual(good);
    expect(result.rejected).toEqual([
      { row: bad, reason: 'title: expected string, received number' },
    ]);
  });

  it('names every failing column and its problem in one line', () => {
    const row = { ...films.build(), rental_rate: '123.456', rating: 'X', last_update: null };

    expect(validateRows(Film, [row]).rejected[0]?.reason).toMatchInlineSnapshot(
      `"rental_rate: not a numeric(4,2); rating: Invalid option: expected one of "G"|"PG"|"PG-13"|"R"|"NC-17"; last_update: expected a timestamp (a valid Date from 4714-11-24 BC, "infinity" or "-infinity"), received null"`,
    );
  });

  it('reports missing and unknown columns', () => {
    const { title: _title, ...withoutTitle } = films.build();

    expect(
      validateRows(Film, [{ ...withoutTitle, colour: 'red' }]).rejected[0]?.reason,
    ).toMatchInlineSnapshot(
      `"title: missing (expected string); (row): Unrecognized key: "colour""`,
    );
  });

  it('rejects something that is not a row at all', () => {
    expect(validateRows(Film, ['film']).rejected[0]?.reason).toBe(
      '(row): expected object, received string',
    );
  });

  it('accepts any iterable, such as a generator', () => {
    function* rows() {
      yield films.build();
      yield films.build();
    }

    expect(validateRows(Film, rows()).valid).toHaveLength(2);
  });
});

describe('validateRow', () => {
  it('returns the parsed row when it is valid', () => {
    const row = makeFactory(Film).build();

    expect(validateRow(Film, row)).toEqual({ ok: true, row });
  });
});
