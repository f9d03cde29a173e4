import { contractHash, makeFactory, validateRows } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { Customer, Film, Payment, pagilaSourceTables } from './index.ts';

describe('pagila source contracts', () => {
  it('lists fifteen distinct tables', () => {
    expect(new Set(pagilaSourceTables.map((t) => t.qualifiedName)).size).toBe(15);
  });

  it.each(pagilaSourceTables.map((table) => [table.name, table] as const))(
    'builds valid %s rows with a factory',
    (_name, table) => {
      const rows = makeFactory(table, { seed: 2022 }).buildMany(200);

      expect(validateRows(table, rows).rejected).toEqual([]);
    },
  );

  it('gives every table a primary key and a cursor', () => {
    expect(
      pagilaSourceTables.filter((t) => t.primaryKey.length === 0 || t.cursor === undefined),
    ).toEqual([]);
  });

  it('uses payment_date as the cursor of the partitioned payment table', () => {
    expect(Payment.primaryKey).toEqual(['payment_id', 'payment_date']);
    expect(Payment.cursor).toBe('payment_date');
  });

  it('rejects a film with a rating outside mpaa_rating and a release year outside the year domain', () => {
    const film = makeFactory(Film).build({ rating: 'X' as never, release_year: 1900 });

    expect(validateRows(Film, [film]).rejected[0]?.reason).toBe(
      'release_year: Too small: expected number to be >=1901; rating: Invalid option: expected one of "G"|"PG"|"PG-13"|"R"|"NC-17"',
    );
  });

  it('accepts a customer row as pagila stores it', () => {
    const row = {
      customer_id: 1,
      store_id: 1,
      first_name: 'MARY',
      last_name: 'SMITH',
      email: 'MARY.SMITH@sakilacustomer.org',
      address_id: 5,
      activebool: true,
      create_date: '2022-02-14',
      last_update: new Date('2022-02-15T09:57:20Z'),
      active: 1,
    };

    expect(validateRows(Customer, [row]).valid).toEqual([row]);
  });

  it('keeps the contract hash of the datakit unless a contract changes', () => {
    // A change here is a contract change: bump the datakit's version accordingly.
    expect(contractHash(pagilaSourceTables)).toMatchInlineSnapshot(
      `"sha256:0f1018059a1bbd1a87c58b3ff4d7be7abd3274c94bf1ba116b3d613f789c15ee"`,
    );
  });
});
