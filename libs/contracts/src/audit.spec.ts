import { ConfigError } from '@datakit/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';

import { BronzeFilm, Film } from './_test-tables.ts';
import { withAudit } from './audit.ts';
import type { DataRowOf } from './audit.ts';
import type { RowOf } from './table.ts';

describe('withAudit', () => {
  it('adds run id, loaded-at, created-at and updated-at columns after the data columns', () => {
    expect(Object.keys(BronzeFilm.columns).slice(-4)).toEqual([
      '_run_id',
      '_loaded_at',
      '_created_at',
      '_updated_at',
    ]);
    expect(BronzeFilm.columns._run_id).toMatchObject({ sqlType: 'uuid', nullable: false });
    expect(BronzeFilm.columns._loaded_at).toMatchObject({
      sqlType: 'timestamp with time zone',
      nullable: false,
    });
  });

  it('marks the table as audited and keeps its name, schema, key and cursor', () => {
    expect(BronzeFilm).toMatchObject({
      audited: true,
      qualifiedName: 'bronze.film',
      primaryKey: ['film_id'],
      cursor: 'last_update',
    });
  });

  it('adds the audit columns to the row type and leaves them out of the data row type', () => {
    expectTypeOf<RowOf<typeof BronzeFilm>>().toHaveProperty('_run_id').toEqualTypeOf<string>();
    expectTypeOf<DataRowOf<typeof BronzeFilm>>().not.toHaveProperty('_run_id');
    expectTypeOf<DataRowOf<typeof BronzeFilm>>().toHaveProperty('film_id');
  });

  it('refuses a table that already has audit columns', () => {
    expect(() => withAudit(BronzeFilm)).toThrow(ConfigError);
    expect(() => withAudit(BronzeFilm)).toThrow(
      /already has _run_id, _loaded_at, _created_at, _updated_at/,
    );
  });

  it('does not change the table it was given', () => {
    withAudit(Film);

    expect(Film.audited).toBe(false);
    expect(Film.columns).not.toHaveProperty('_run_id');
  });
});
