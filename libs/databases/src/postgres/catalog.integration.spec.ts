import { col, defineTable } from '@datakit/contracts';
import { localInfra } from '@datakit/local-infra';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test fixture only: the real pagila contracts prove that a faithful contract shows no drift
import { pagilaSourceTables } from '@datakit/pagila-source';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compareSchema } from '@datakit/drift';

import { readLiveSchema } from './catalog.ts';
import { postgresDialect } from './types.ts';

const infra = localInfra();

describe('readLiveSchema on the real pagila database', () => {
  const reader = new pg.Client(infra.postgres.connection('pagila_reader', 'pagila'));
  const admin = new pg.Client(infra.postgres.connection('datakit_admin', 'pagila'));
  const scratch = `drift_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    await reader.connect();
    await admin.connect();
    await admin.query(`create schema ${scratch}`);
  });
  afterAll(async () => {
    await admin.query(`drop schema if exists ${scratch} cascade`);
    await reader.end();
    await admin.end();
  });

  it('finds no drift between the 15 pagila-source contracts and the live pagila schema', async () => {
    const live = await readLiveSchema(
      reader,
      'public',
      pagilaSourceTables.map((t) => t.name),
    );
    const result = compareSchema(pagilaSourceTables, live, {
      side: 'source',
      extraColumns: 'freeze',
      normalizeType: postgresDialect.normalizeType,
    });
    expect(Object.keys(live.tables)).toHaveLength(15);
    expect(result.tables.flatMap((t) => t.changes)).toEqual([]);
  });

  it('reads domains, enums, arrays and composite keys from the catalog', async () => {
    const live = await readLiveSchema(reader, 'public', ['film', 'film_actor']);
    const film = Object.fromEntries(live.tables.film!.columns.map((c) => [c.name, c]));
    expect(film.release_year).toMatchObject({
      type: 'year',
      domain: 'year',
      domainBaseType: 'integer',
    });
    expect(film.rating).toMatchObject({
      type: 'mpaa_rating',
      enumValues: ['G', 'PG', 'PG-13', 'R', 'NC-17'],
    });
    expect(film.special_features?.type).toBe('text[]');
    expect(live.tables.film_actor?.primaryKey).toEqual(['actor_id', 'film_id']);
  });

  it('sees a column made nullable, a type change and a dropped key in a scratch copy', async () => {
    // NOT NULLs as in pagila, no key (CREATE TABLE AS would make every column nullable).
    await admin.query(
      `create table ${scratch}.actor (like public.actor including defaults including constraints)`,
    );
    await admin.query(
      `alter table ${scratch}.actor alter column first_name type varchar(10), alter column last_name drop not null`,
    );
    const Actor = defineTable({
      name: 'actor',
      columns: {
        actor_id: col.integer().primaryKey(),
        first_name: col.text(),
        last_name: col.text(),
        last_update: col.timestamptz().cursor(),
      },
    });
    const live = await readLiveSchema(admin, scratch, ['actor']);
    const result = compareSchema([Actor], live, {
      side: 'source',
      extraColumns: 'freeze',
      normalizeType: postgresDialect.normalizeType,
    });
    expect(result.breaking.map((c) => `${c.kind} ${c.column ?? ''}`)).toEqual([
      'type first_name',
      'nullability last_name',
      'primary-key ',
    ]);
  });

  it('leaves out tables that do not exist', async () => {
    expect((await readLiveSchema(reader, 'public', ['no_such_table'])).tables).toEqual({});
  });
});
