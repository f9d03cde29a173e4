import { DatakitError, RejectsError } from '@datakit/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { eventLoadOptions } from './__fixtures__/events.ts';
import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import type { TestLoadOverrides } from './__fixtures__/load-options.ts';
import { loadTable } from './load-table.ts';
import type { LoadTableOptions } from './load-table.ts';

// Real PostgreSQL (npm run infra:up). `events` has only kinds binary COPY carries, so loads
// take binary unless told otherwise; each result is compared with the source and with a text
// load of the same rows.
const SRC = scratchSchema('lb_src');
const DST = scratchSchema('lb_dst');
const TEXT = scratchSchema('lb_text');
const db = new ScratchDb();
const { source, target, sql } = db;

function options(overrides: TestLoadOverrides = {}): LoadTableOptions {
  return eventLoadOptions({ source, target, sourceSchema: SRC, targetSchema: DST }, overrides);
}

const COLUMNS = 'event_id, name, amount, flag, code, local_at, at';

/** Row count and an md5 over every row in key order (timestamps to the microsecond). */
async function fingerprint(schema = DST): Promise<{ rows: number; md5: string }> {
  const [row] = await sql<{ rows: string; md5: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(t::text, '|' order by event_id)), '') as md5
     from (select ${COLUMNS} from ${schema}.events) t`,
  );
  return { rows: Number(row?.rows), md5: row?.md5 ?? '' };
}

describe('loadTable in binary COPY against real PostgreSQL', () => {
  beforeAll(async () => {
    await db.connect();
    await sql("set timezone = 'UTC'");
    await sql(`create schema ${SRC}`);
    await sql(
      `create table ${SRC}.events (event_id integer primary key, name text not null,
         amount bigint, flag boolean not null, code smallint not null, local_at timestamp,
         at timestamptz not null)`,
    );
  });

  beforeEach(async () => {
    for (const schema of [DST, TEXT]) await db.dropTarget(schema, 'events');
    await sql(`truncate ${SRC}.events`);
    // Microseconds in every timestamp, NULLs, negative numbers, multi-byte text.
    await sql(
      `insert into ${SRC}.events
         select g, case when g % 11 = 0 then 'é☕' || g else 'e-' || g end,
                case when g % 5 = 0 then null else (g - 2500)::bigint * 4000000000 end,
                g % 2 = 0, (g % 700 - 350)::smallint,
                case when g % 3 = 0 then null else timestamp '1999-12-31 23:59:59' + g * interval '1.5 day' end,
                timestamptz '2024-01-01 00:00:00+00' + g * interval '1.000001 second'
         from generate_series(1, 5000) g`,
    );
  });

  afterAll(() => db.close([SRC, DST, TEXT], 'lb'));

  it('creates the target and loads every value exactly, as a text load does', async () => {
    const result = await loadTable(options());
    expect(result).toMatchObject({ read: 5000, written: 5000, format: 'binary' });
    const [max] = await sql<{ at: string }>(`select max(at)::text as at from ${SRC}.events`);
    expect(result.cursor).toBe(max?.at);
    expect(result.cursor).toBe('2024-01-01 01:23:20.005+00');
    expect(await fingerprint()).toEqual(await fingerprint(SRC));

    const text = await loadTable(options({ targetSchema: TEXT, copyFormat: 'text' }));
    expect(text).toMatchObject({
      read: 5000,
      written: 5000,
      format: 'text',
      cursor: result.cursor,
    });
    expect(await fingerprint(TEXT)).toEqual(await fingerprint());
    const [key] = await sql<{ key: string }>(
      `select pg_get_constraintdef(oid) as key from pg_constraint
       where conrelid = '${DST}.events'::regclass and contype = 'p'`,
    );
    expect(key?.key).toBe('PRIMARY KEY (event_id)');
  });

  it('merges changed and new rows through a binary staging table', async () => {
    await loadTable(options());
    await sql(`update ${SRC}.events set name = 'changed', at = '2030-01-01 00:00:00.000007+00'
               where event_id in (4, 5)`);
    await sql(`insert into ${SRC}.events values (9001, 'new', null, true, 1, null, '2030-01-02')`);
    const second = await loadTable(options());
    // The row at the first run's saved cursor value is read again (`at` is not unique).
    expect(second).toMatchObject({ read: 4, written: 3, format: 'binary' });
    expect(second.cursor).toBe('2030-01-02 00:00:00+00');
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const third = await loadTable(options());
    expect(third).toMatchObject({ read: 1, written: 0, cursor: second.cursor });
  });

  it('replaces the table, and rejects over the threshold leave it unchanged', async () => {
    await loadTable(options({ mode: 'replace' }));
    await sql(`delete from ${SRC}.events where event_id > 4000`);
    expect(await loadTable(options({ mode: 'replace' }))).toMatchObject({
      read: 4000,
      written: 4000,
      format: 'binary',
    });
    expect(await fingerprint()).toEqual(await fingerprint(SRC));

    const before = await fingerprint();
    await sql(`update ${SRC}.events set name = 'far too long a name' where event_id in (1, 2)`);
    const load = loadTable(options({ mode: 'replace' }));
    await expect(load).rejects.toBeInstanceOf(RejectsError);
    expect(await fingerprint()).toEqual(before);
  });

  it('writes text into an existing target whose column types differ from the contract', async () => {
    await sql(`create schema ${DST}`);
    await sql(
      `create table ${DST}.events (event_id integer primary key, name varchar(10) not null,
         amount numeric, flag boolean not null, code integer not null, local_at timestamp,
         at timestamptz not null,
         _run_id uuid not null default current_setting('datakit.run_id')::uuid,
         _loaded_at timestamptz not null default now(),
         _created_at timestamptz not null default now(),
         _updated_at timestamptz not null default now())`,
    );
    const result = await loadTable(options());
    expect(result).toMatchObject({ read: 5000, written: 5000, format: 'text' });
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
  });

  it('fails a source whose column cannot be cast to the contract type, naming the table', async () => {
    // A type drift check would report; without it, binary fails the load instead of every row.
    await sql(`alter table ${SRC}.events alter column code type uuid using md5(code::text)::uuid`);
    try {
      const load = loadTable(options());
      await expect(load).rejects.toBeInstanceOf(DatakitError);
      await expect(load).rejects.toThrow(
        `Loading ${DST}.events from ${SRC}.events failed: cannot cast type uuid to smallint`,
      );
    } finally {
      await sql(`alter table ${SRC}.events alter column code type smallint using 0`);
    }
  });
});
