import { describe, expect, it } from 'vitest';

import { contractName, contractNames, kebabCase, pascalCase } from './_names.ts';

describe('contract names of live names', () => {
  it.each([
    ['last_update', 'last_update'],
    ['select', 'select'],
    ['CustomerID', 'customer_id'],
    ['updatedAt', 'updated_at'],
    ['zip code', 'zip_code'],
    ['Order Lines', 'order_lines'],
    ['2fa', '_2fa'],
    ['Ünïcode', 'n_code'],
  ])('names %s %s', (live, name) => {
    expect(contractName(live)).toBe(name);
  });

  it('keeps names unique when two live names map to one', () => {
    expect(contractNames(['Order', 'order', 'ORDER'])).toEqual(['order_2', 'order', 'order_3']);
  });

  it('gives constants and files their case', () => {
    expect([pascalCase('film_actor'), pascalCase('_2fa'), kebabCase('film_actor')]).toEqual([
      'FilmActor',
      'T2fa',
      'film-actor',
    ]);
  });
});
