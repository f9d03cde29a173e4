import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { DatakitError, EnvironmentError, RejectsError } from '@datakit/errors';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { itemLoadOptions } from './__fixtures__/items.ts';
import { loaderConfig, ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import type { TestLoadOverrides } from './__fixtures__/load-options.ts';
import { loadTable } from './load-table.ts';
import type { LoadTableOptions } from './load-table.ts';

// Real PostgreSQL (npm run infra:up): the loader role writes the warehouse; the source is a
// scratch schema in the same database, so one role can make both sides.
const SRC = scratchSchema('ld_src');
const DST = scratchSchema('ld_dst');
const OTHER = scratchSchema('ld_other');
const CHILD = fileURLToPath(new URL('./__fixtures__/load-child.ts', import.meta.url));

const db = new ScratchDb();
const { source, target, sql } = db;

function options(overrides: TestLoadOverrides = {}): LoadTableOptions {
  return itemLoadOptions({ source, target, sourceSchema: SRC, targetSchema: DST }, overrides);
}

/** Fills the source with `n` rows (`items`), labels `i-<id>`, a few with tags. */
async function fillSource(n: number): Promise<void> {
  await sql(`truncate ${SRC}.items`);
  await sql(
    `insert into ${SRC}.items
       select g, 'i-' || g, (g % 500) + 0.99,
              case when g % 7 = 0 then array['a', 'b "c"', 'd,e'] end,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1.000001 second'
       from generate_series(1, $1) g`,
    [n],
  );
}

/** Row count and an md5 over every row of the target, in key order, data columns only. */
async function fingerprint(
  schema = DST,
  withAudit = false,
): Promise<{ rows: number; md5: string }> {
  const columns = withAudit
    ? 'item_id, label, price, tags, updated, _run_id, _created_at, _updated_at'
    : 'item_id, label, price, tags, updated';
  const [row] = await sql<{ rows: string; md5: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(t::text, '|' order by item_id)), '') as md5
     from (select ${columns} from ${schema}.items) t`,
  );
  return { rows: Number(row?.rows), md5: row?.md5 ?? '' };
}

async function cursorOf(schema = DST): Promise<string | undefined> {
  const rows = await sql<{ cursor_value: string }>(
    `select cursor_value from _datakit.cursors where target_table = $1`,
    [`${schema}.items`],
  );
  return rows[0]?.cursor_value;
}

describe('loadTable against real PostgreSQL', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${SRC}`);
    await sql(
      `create table ${SRC}.items (item_id integer primary key, label text not null,
         price numeric(5,2) not null, tags text[], updated timestamptz not null)`,
    );
  });

  beforeEach(async () => {
    for (const schema of [DST, OTHER]) await db.dropTarget(schema, 'items');
    await fillSource(1000);
  });

  afterAll(() => db.close([SRC, DST, OTHER], 'ld'));

  it('creates the target from the contract and loads every row with the run id', async () => {
    const load = options();
    const result = await loadTable(load);

    expect(result).toMatchObject({ read: 1000, written: 1000, rejected: 0, filtered: 0 });
    expect(result.cursor).toBe('2024-01-01 00:16:40.001+00');
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const runIds = await sql<{ run_id: string }>(
      `select distinct _run_id as run_id from ${DST}.items`,
    );
    expect(runIds).toEqual([{ run_id: load.runId }]);
    // The audit columns were added after the rows (their values kept in the catalog): every
    // row has the load's one time, and the columns keep the defaults later merges fill them by.
    const [times] = await sql<{ times: string; same: boolean }>(
      `select count(distinct _loaded_at)::text as times,
              bool_and(_loaded_at = _created_at and _created_at = _updated_at) as same
       from ${DST}.items`,
    );
    expect(times).toEqual({ times: '1', same: true });
    const defaults = await sql<{ name: string; value: string }>(
      `select a.attname as name, pg_get_expr(d.adbin, d.adrelid) as value
       from pg_attribute a join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       where a.attrelid = '${DST}.items'::regclass order by a.attnum`,
    );
    expect(defaults).toEqual([
      { name: '_run_id', value: "(current_setting('datakit.run_id'::text))::uuid" },
      { name: '_loaded_at', value: 'now()' },
      { name: '_created_at', value: 'now()' },
      { name: '_updated_at', value: 'now()' },
    ]);
    const [run] = await sql(`select * from _datakit.runs where run_id = $1`, [load.runId]);
    expect(run).toMatchObject({
      status: 'succeeded',
      target_table: `${DST}.items`,
      source_table: `${SRC}.items`,
      rows_read: '1000',
      rows_written: '1000',
      contract_hash: 'sha256:test',
      cursor_to: result.cursor,
    });
    // No foreign keys, the contract's key and NOT NULLs.
    const [ddl] = await sql<{ key: string; notnull: string }>(
      `select pg_get_constraintdef(c.oid) as key,
              (select string_agg(attname, ',' order by attnum) from pg_attribute
                where attrelid = c.conrelid and attnotnull and attnum > 0) as notnull
       from pg_constraint c where c.conrelid = '${DST}.items'::regclass`,
    );
    expect(ddl).toEqual({
      key: 'PRIMARY KEY (item_id)',
      notnull: 'item_id,label,price,updated,_run_id,_loaded_at,_created_at,_updated_at',
    });
  });

  it('gives an identical target when the same load runs three times', async () => {
    await loadTable(options());
    const first = await fingerprint(DST, true);
    const again = [await loadTable(options()), await loadTable(options())];

    // `updated` is not unique: the row at the saved value is read again, and written nothing.
    expect(again.map((r) => [r.read, r.written])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(await fingerprint(DST, true)).toEqual(first);
    // Without a cursor every row is read again, and unchanged rows are not touched.
    const full = [
      await loadTable(options({ cursor: null })),
      await loadTable(options({ cursor: null })),
    ];
    expect(full.map((r) => [r.read, r.written])).toEqual([
      [1000, 0],
      [1000, 0],
    ]);
    expect(await fingerprint(DST, true)).toEqual(first);
  });

  it('merges changed and new rows on the key, keeping _created_at', async () => {
    const first = await loadTable(options());
    await sql(
      `update ${SRC}.items set label = 'changed', updated = updated + interval '1 day' where item_id = 5`,
    );
    await sql(
      `insert into ${SRC}.items values (1001, 'new', 1, null, timestamptz '2030-01-01 00:00:00+00')`,
    );
    const second = await loadTable(options());

    // Item 1000, at the saved cursor value, is read again and left as it is.
    expect(second).toMatchObject({ read: 3, written: 2 });
    expect(second.cursor).toBe('2030-01-01 00:00:00+00');
    const rows = await sql<{ label: string; same_created: boolean; run: string }>(
      `select label, _created_at = _updated_at as same_created, _run_id::text as run
       from ${DST}.items where item_id in (4, 5, 1001) order by item_id`,
    );
    expect(rows).toEqual([
      { label: 'i-4', same_created: true, run: expect.any(String) as string },
      { label: 'changed', same_created: false, run: expect.any(String) as string },
      { label: 'new', same_created: true, run: expect.any(String) as string },
    ]);
    expect(rows[0]?.run).not.toBe(rows[1]?.run);
    expect(first.read).toBe(1000);
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
  });

  it('loads a row committed later with exactly the saved cursor value; an unchanged rerun reads only the rows at that value and writes nothing', async () => {
    // Three rows share the highest value, as rows of one transaction share its now().
    const tie = '2030-01-01 00:00:00+00';
    await sql(`update ${SRC}.items set updated = $1 where item_id in (998, 999, 1000)`, [tie]);
    const first = await loadTable(options());
    expect(first).toMatchObject({ read: 1000, written: 1000, cursor: tie });
    // Committed after that run, with the very value it saved.
    await sql(`insert into ${SRC}.items values (1001, 'late', 1, null, $1)`, [tie]);
    expect(await loadTable(options())).toMatchObject({ read: 4, written: 1, cursor: tie });
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const before = await fingerprint(DST, true);
    const unchanged = options();
    expect(await loadTable(unchanged)).toMatchObject({ read: 4, written: 0, cursor: tie });
    const [run] = await sql(
      `select rows_read, rows_written, cursor_from, cursor_to from _datakit.runs where run_id = $1`,
      [unchanged.runId],
    );
    expect(run).toEqual({ rows_read: '4', rows_written: '0', cursor_from: tie, cursor_to: tie });
    // Not touched: run ids and _updated_at as they were.
    expect(await fingerprint(DST, true)).toEqual(before);
    expect(await cursorOf()).toBe(tie);
  });

  it('replaces the whole table, and append refuses rows whose key is already there', async () => {
    await loadTable(options({ mode: 'replace' }));
    await sql(`delete from ${SRC}.items where item_id > 600`);
    const replaced = await loadTable(options({ mode: 'replace' }));
    expect(replaced).toMatchObject({ read: 600, written: 600 });
    // A replace reads everything and saves no cursor, so it reports none.
    expect([replaced.cursor, await cursorOf()]).toEqual([null, undefined]);
    expect(await fingerprint()).toEqual(await fingerprint(SRC));

    const before = await fingerprint(DST, true);
    // Appended after a unique cursor (the key); the replace saved none, so all is read again.
    const append = loadTable(options({ mode: 'append', cursor: 'item_id' }));
    await expect(append).rejects.toBeInstanceOf(DatakitError);
    await expect(append).rejects.toMatchObject({
      message: expect.stringMatching(/duplicate key value.*Key \(item_id\)=\(1\) already exists/),
      hint: expect.stringContaining('use merge') as string,
    });
    expect(await fingerprint(DST, true)).toEqual(before);
  });

  it('fails the first load of a source that repeats a key, naming the key, and creates nothing', async () => {
    // The key of a table created by the load is built after the rows are copied.
    await sql(`create schema ${OTHER}`);
    await sql(`create table ${OTHER}.items as select * from ${SRC}.items`);
    await sql(`insert into ${OTHER}.items select * from ${SRC}.items where item_id = 7`);
    const load = loadTable(options({ source, sourceSchema: OTHER }));
    await expect(load).rejects.toBeInstanceOf(DatakitError);
    await expect(load).rejects.toMatchObject({
      message: expect.stringMatching(/Key \(item_id\)=\(7\) is duplicated.*Nothing was committed/),
      hint: expect.stringContaining('same primary key in more than one row') as string,
    });
    expect(await sql(`select to_regclass('${DST}.items') as t`)).toEqual([{ t: null }]);
  });

  it('keeps readers on the old rows while a replace loads, and the table its comment and views', async () => {
    await loadTable(options({ mode: 'replace' }));
    await sql(`create view ${DST}.items_labels as select item_id, label from ${DST}.items`);
    await sql(`comment on table ${DST}.items is 'bronze items'`);
    await fillSource(50_000);
    const reader = new pg.Client(loaderConfig);
    await reader.connect();
    try {
      // A reader blocked by the load's lock would wait for the commit and then count 50,000.
      await reader.query(`SET statement_timeout = '20s'`);
      let during: Promise<number> | undefined;
      const replaced = await loadTable(
        options({
          mode: 'replace',
          onProgress: () => {
            during ??= reader
              .query<{ n: string }>(`select count(*) as n from ${DST}.items_labels`)
              .then((r) => Number(r.rows[0]?.n));
          },
        }),
      );
      expect(replaced).toMatchObject({ read: 50_000, written: 50_000 });
      expect(await during).toBe(1000);
    } finally {
      await reader.end();
    }
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const [kept] = await sql<{ comment: string; n: string }>(
      `select obj_description('${DST}.items'::regclass) as comment,
              (select count(*) from ${DST}.items_labels) as n`,
    );
    expect(kept).toEqual({ comment: 'bronze items', n: '50000' });
  });

  it('fails a merge whose source repeats a key, naming the key, and leaves the target as it was', async () => {
    await loadTable(options());
    const before = await fingerprint(DST, true);
    await sql(`create schema ${OTHER}`);
    await sql(`create table ${OTHER}.items as select * from ${SRC}.items`);
    // The repeated row is newer than the saved cursor, so the incremental merge reads it.
    await sql(
      `insert into ${OTHER}.items select item_id, 'again', price, tags, updated + interval '1 day'
         from ${SRC}.items where item_id = 7`,
    );
    await sql(`update ${OTHER}.items set updated = updated + interval '1 day' where item_id = 7`);
    const load = loadTable(options({ source, sourceSchema: OTHER }));
    await expect(load).rejects.toBeInstanceOf(DatakitError);
    await expect(load).rejects.toThrow(
      /the rows read repeat a primary key: \(item_id\)=\(7\) in 2 rows\. Nothing was committed/,
    );
    expect(await fingerprint(DST, true)).toEqual(before);
  });

  it('filters rows, stores rejected rows with their reason, and fails over the threshold leaving the target unchanged', async () => {
    await sql(`update ${SRC}.items set label = 'far too long a label' where item_id in (3, 4)`);
    await sql(`update ${SRC}.items set label = 'skip' where item_id = 9`);
    const tolerant = options({ rejectThreshold: 0.01 });
    const result = await loadTable(tolerant);
    expect(result).toMatchObject({ read: 1000, written: 997, rejected: 2, filtered: 1 });
    const rejects = await sql<{ stage: string; reason: string; id: number }>(
      `select stage, reason, (row_data->>'item_id')::int as id from _datakit.rejects
       where run_id = $1 order by id`,
      [tolerant.runId],
    );
    expect(rejects).toEqual([
      { stage: 'source', reason: 'label: longer than 10 characters', id: 3 },
      { stage: 'source', reason: 'label: longer than 10 characters', id: 4 },
    ]);

    const before = await fingerprint(DST, true);
    const cursorBefore = await cursorOf();
    await sql(
      `update ${SRC}.items set label = 'much too long, again', updated = now() where item_id <= 20`,
    );
    const strict = options({ rejectThreshold: 0.001 });
    const failed = loadTable(strict);
    await expect(failed).rejects.toBeInstanceOf(RejectsError);
    await expect(failed).rejects.toThrow(
      `${DST}.items: 20 of 21 rows were rejected (95.24%), more than the threshold of 0.1%; nothing was written.`,
    );
    expect(await fingerprint(DST, true)).toEqual(before);
    expect(await cursorOf()).toBe(cursorBefore);
    const [run] = await sql(
      `select status, rows_rejected, error from _datakit.runs where run_id = $1`,
      [strict.runId],
    );
    expect(run).toMatchObject({ status: 'failed', rows_rejected: '20' });
    const stored = await sql(`select count(*)::int as n from _datakit.rejects where run_id = $1`, [
      strict.runId,
    ]);
    expect(stored).toEqual([{ n: 20 }]);
  });

  it('tolerates a floor of rejected rows whatever the fraction, and no more', async () => {
    await loadTable(options());
    await sql(
      `update ${SRC}.items set updated = updated + interval '1 day',
         label = case when item_id = 500 then 'much too long, again' else 'fine' end
       where item_id in (500, 501, 502)`,
    );
    const before = await fingerprint(DST, true);
    const strict = loadTable(options({ rejectThreshold: 0.01 }));
    // Item 1000, at the saved cursor value, is read again too.
    await expect(strict).rejects.toThrow(
      '1 of 4 rows were rejected (25%), more than the threshold of 1%',
    );
    expect(await fingerprint(DST, true)).toEqual(before);
    const floored = await loadTable(options({ rejectThreshold: 0.01, rejectFloor: 1 }));
    expect(floored).toMatchObject({ read: 4, written: 2, rejected: 1 });
    await sql(
      `update ${SRC}.items set updated = updated + interval '1 day', label = 'much too long, again'
       where item_id in (600, 601)`,
    );
    // Item 500, rejected by the last run, is read again by its key and rejected again unchanged:
    // not counted again. Items 600 and 601 are, with 502 at the saved value: 2 of 3.
    await expect(loadTable(options({ rejectThreshold: 0.01, rejectFloor: 1 }))).rejects.toThrow(
      '2 of 3 rows were rejected (66.67%) (and 1 read again that earlier runs rejected), more than both the threshold of 1% and 1 row;',
    );
  });

  it('reads a rejected row again by its key until it loads, with no full reload, and keeps its exact values', async () => {
    await loadTable(options());
    // One bad row in an incremental batch, under the floor: the cursor moves past it.
    await sql(
      `update ${SRC}.items set updated = timestamptz '2030-01-01 00:00:00.123456+00',
         label = case when item_id = 7 then 'much too long, again' else 'fine' end
       where item_id in (7, 8)`,
    );
    const first = options({ rejectFloor: 1 });
    expect(await loadTable(first)).toMatchObject({ read: 3, written: 1, rejected: 1 });
    const [stored] = await sql<{ row_data: Record<string, string>; source_key: string[] }>(
      `select row_data, source_key from _datakit.rejects where run_id = $1`,
      [first.runId],
    );
    // The row as read, exactly: microseconds and the numeric's digits kept.
    expect(stored).toEqual({
      row_data: {
        item_id: '7',
        label: 'much too long, again',
        price: '7.99',
        tags: '{a,"b \\"c\\"","d,e"}',
        updated: '2030-01-01 00:00:00.123456+00',
      },
      source_key: ['7'],
    });
    // Still bad: read again (at the saved value it shares with item 8, and by key), rejected
    // again unchanged: not stored again, its reject stays open.
    const again = options({ rejectFloor: 0 });
    expect(await loadTable(again)).toMatchObject({ read: 2, written: 0, rejected: 1 });
    // Fixed at the source without moving its cursor: the next run loads it, item 8 unchanged.
    await sql(`update ${SRC}.items set label = 'fixed' where item_id = 7`);
    const fixed = options({ rejectFloor: 1 });
    expect(await loadTable(fixed)).toMatchObject({ read: 2, written: 1, rejected: 0 });
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const history = await sql<{ run: string; resolution: string | null; by: string | null }>(
      `select run_id::text as run, resolution, resolved_run_id::text as by from _datakit.rejects
        where run_id = any($1::uuid[]) order by rejected_at`,
      [[first.runId, again.runId, fixed.runId]],
    );
    expect(history).toEqual([{ run: first.runId, resolution: 'loaded', by: fixed.runId }]);
    // Settled: the next run reads only the rows at the saved value, and writes nothing.
    expect(await loadTable(options())).toMatchObject({ read: 2, written: 0 });
  });

  it('rejects retry opens acknowledged rows again; a row gone from the source is settled as such', async () => {
    const { acknowledgeRejects, retryRejects } = await import('./bookkeeping.ts');
    await loadTable(options());
    await sql(
      `update ${SRC}.items set updated = updated + interval '1 day', label = 'much too long, again'
       where item_id = 9`,
    );
    const bad = options({ rejectFloor: 1 });
    await loadTable(bad);
    const mine = { targetTable: `${DST}.items`, runId: bad.runId };
    expect(await acknowledgeRejects(target, mine)).toBe(1);
    // Acknowledged: read again only as the row at the saved cursor value, and neither stored
    // again nor counted against the limits (no floor here).
    expect(await loadTable(options())).toMatchObject({ read: 1, written: 0, rejected: 1 });
    const open = await sql(
      `select count(*)::int as n from _datakit.rejects where target_table = $1
          and acknowledged_at is null and resolved_at is null`,
      [`${DST}.items`],
    );
    expect(open).toEqual([{ n: 0 }]);
    expect(await retryRejects(target, mine)).toEqual({
      opened: 1,
      keyless: 0,
    });
    await sql(`delete from ${SRC}.items where item_id = 9`);
    const gone = options({ rejectFloor: 1 });
    expect(await loadTable(gone)).toMatchObject({ read: 0, rejected: 0 });
    const [row] = await sql(
      `select resolution, resolved_run_id::text as by from _datakit.rejects where run_id = $1`,
      [bad.runId],
    );
    expect(row).toEqual({ resolution: 'not in source', by: gone.runId });
  });

  it('reads through a server-side cursor (the native libpq path) with the same result', async () => {
    const result = await loadTable(options({ read: 'cursor', batchSize: 77 }));
    expect(result).toMatchObject({ read: 1000, written: 1000 });
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
  });

  it('fills audit columns from their defaults, or per row in a table made without them', async () => {
    const load = options();
    await loadTable(load);
    const [created] = await sql<{ d: string }>(
      `select pg_get_expr(adbin, adrelid) as d from pg_attrdef
       where adrelid = '${DST}.items'::regclass and adnum = 6`,
    );
    expect(created?.d).toBe("(current_setting('datakit.run_id'::text))::uuid");
    await expect(
      sql(`insert into ${DST}.items (item_id, label, price, updated) values (0, 'x', 1, now())`),
    ).rejects.toThrow('unrecognized configuration parameter "datakit.run_id"');

    await sql(`create schema ${OTHER}`);
    await sql(
      `create table ${OTHER}.items (item_id integer primary key, label varchar(10) not null,
         price numeric(5,2) not null, tags text[], updated timestamptz not null,
         _run_id uuid not null, _loaded_at timestamptz not null, _created_at timestamptz not null,
         _updated_at timestamptz not null)`,
    );
    const older = options({ targetSchema: OTHER });
    expect(await loadTable(older)).toMatchObject({ read: 1000, written: 1000 });
    const runs = await sql(`select distinct _run_id::text as run from ${OTHER}.items`);
    expect(runs).toEqual([{ run: older.runId }]);
    expect(await fingerprint(OTHER)).toEqual(await fingerprint(SRC));
  });

  it('fails at once, writing nothing, when another run holds the table', async () => {
    const holder = new pg.Client(loaderConfig);
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock(hashtext($1))', [`datakit.load:${DST}.items`]);
      const load = loadTable(options());
      await expect(load).rejects.toBeInstanceOf(EnvironmentError);
      await expect(load).rejects.toThrow(`Another run is loading ${DST}.items right now.`);
    } finally {
      await holder.end();
    }
    expect(await sql(`select to_regclass('${DST}.items') as t`)).toEqual([{ t: null }]);
  });

  it('after a SIGKILL mid-run, the next run gives what one clean run gives', async () => {
    await fillSource(150_000);
    const killed = randomUUID();
    const child = spawn(
      process.execPath,
      [
        CHILD,
        JSON.stringify({
          source: loaderConfig,
          target: loaderConfig,
          sourceSchema: SRC,
          targetSchema: DST,
          runId: killed,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const progressed = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (/"read":\d+/.test(text) && !text.includes('done')) {
          child.kill('SIGKILL');
          resolve(true);
        } else if (text.includes('done')) resolve(false);
      });
      child.on('exit', () => resolve(false));
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect([progressed, stderr]).toEqual([true, '']);

    // Nothing of the killed run is visible; its run row still says running.
    expect(await sql(`select to_regclass('${DST}.items') is null as gone`)).toEqual([
      { gone: true },
    ]);
    expect(await cursorOf()).toBeUndefined();

    const rerun = await loadTable(options());
    expect(rerun).toMatchObject({ read: 150_000, written: 150_000 });
    const clean = await loadTable(options({ targetSchema: OTHER }));
    expect(clean.cursor).toBe(rerun.cursor);
    expect(await fingerprint()).toEqual(await fingerprint(OTHER));
    expect(await fingerprint()).toEqual(await fingerprint(SRC));
    const [run] = await sql(`select status from _datakit.runs where run_id = $1`, [killed]);
    expect(run).toEqual({ status: 'abandoned' });
  }, 120_000);
});
