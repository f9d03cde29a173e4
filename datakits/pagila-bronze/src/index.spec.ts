import { contractHash, makeFactory, runTransform } from '@datakit/contracts';
import type { AnyTable, AnyTransform } from '@datakit/contracts';
import { Film, Language, Staff, pagilaSourceTables } from '@datakit/pagila-source';
import { buildSpec } from '@datakit/runtime';
import { describe, expect, it } from 'vitest';

import {
  BronzeFilm,
  BronzeStaff,
  filmToBronze,
  languageToBronze,
  pagilaBronze,
  pagilaBronzeTables,
  staffToBronze,
} from './index.ts';

const entries = pagilaBronze.tables.map((t) => [t.target.name, t] as const);

describe('pagila-bronze', () => {
  it('loads every pagila source table once, in the source order', () => {
    expect(pagilaBronze.tables.map((t) => t.source)).toEqual([...pagilaSourceTables]);
  });

  it.each(entries)(
    'maps 200 factory rows of %s without rejecting or filtering any',
    (_name, table) => {
      const rows = makeFactory(table.source, { seed: 2022 }).buildMany(200);

      const result = runTransform(table.transform as AnyTransform, rows);

      expect(result.rejected).toEqual([]);
      expect([result.rows.length, result.filtered]).toEqual([200, 0]);
    },
  );

  it('writes every target to schema bronze with the audit columns and the source key', () => {
    expect(
      pagilaBronze.tables.filter(
        (t) =>
          t.target.schema !== 'bronze' ||
          !t.target.audited ||
          t.target.primaryKey.join() !== t.source.primaryKey.join(),
      ),
    ).toEqual([]);
  });

  it('resumes on last_update, and on payment_date for payment', () => {
    expect(Object.fromEntries(pagilaBronze.tables.map((t) => [t.target.name, t.cursor]))).toEqual({
      country: 'last_update',
      city: 'last_update',
      address: 'last_update',
      language: 'last_update',
      category: 'last_update',
      actor: 'last_update',
      film: 'last_update',
      film_category: 'last_update',
      film_actor: 'last_update',
      staff: 'last_update',
      store: 'last_update',
      customer: null,
      inventory: 'last_update',
      rental: 'last_update',
      payment: 'payment_date',
    });
  });

  it('merges every table on its key', () => {
    expect(new Set(pagilaBronze.tables.map((t) => t.mode))).toEqual(new Set(['merge']));
  });

  it('trims the blank padding of language.name', () => {
    const row = makeFactory(Language).build({ name: 'English             ' });
    expect(runTransform(languageToBronze, [row]).rows[0]?.name).toBe('English');
  });

  it('does not copy film.fulltext nor staff.password', () => {
    expect('fulltext' in BronzeFilm.columns).toBe(false);
    expect('password' in BronzeStaff.columns).toBe(false);
    expect(runTransform(filmToBronze, [makeFactory(Film).build()]).rows[0]).not.toHaveProperty(
      'fulltext',
    );
    expect(runTransform(staffToBronze, [makeFactory(Staff).build()]).rows[0]).not.toHaveProperty(
      'password',
    );
  });

  it('stores the film rating as text limited to the MPAA values', () => {
    expect([BronzeFilm.columns.rating.sqlType, BronzeFilm.columns.rating.values]).toEqual([
      'text',
      ['G', 'PG', 'PG-13', 'R', 'NC-17'],
    ]);
  });

  it('names itself pagila-bronze in its spec, with 30 contracts and 15 transforms', () => {
    const spec = buildSpec(pagilaBronze, {
      DATAKIT_NAME: 'pagila-bronze',
      DATAKIT_VERSION: '1.0.0',
    });
    expect([spec.name, spec.version, spec.contracts.length, spec.transforms.length]).toEqual([
      'pagila-bronze',
      '1.0.0',
      30,
      15,
    ]);
  });

  it('keeps the contract hash of the bronze tables unless a contract changes', () => {
    // A change here is a contract change: bump the datakit's version accordingly.
    expect(contractHash(pagilaBronzeTables as AnyTable[])).toMatchInlineSnapshot(
      `"sha256:5643e9f504506af98b58587e0f989c0c54b198e1fedad6fd761a07b3d8e1c609"`,
    );
  });
});
