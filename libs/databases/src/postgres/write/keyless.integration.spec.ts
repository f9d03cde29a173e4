import { col, defaultWriteMode, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { testLoadOptions } from './__fixtures__/load-options.ts';
import type { TestLoadOverrides } from './__fixtures__/load-options.ts';
import { loadTable } from './load-table.ts';

// A table without a primary key, whose rows repeat exactly (the same event logged twice), on
// real PostgreSQL: its cursor (a timestamp) is not unique, so it cannot be appended after it
// (a row committed later at the saved value would be lost) and, without a dedup rule, not
// merged; replaced on every run, or merged on a declared dedup rule, three runs hold exactly
// what the source holds.
const SRC = scratchSchema('kl_src');
const DST = scratchSchema('kl_dst');
const db = new ScratchDb();
const { source, target, sql } = db;

const columns = {
  seq: col.bigint(),
  payload: col.text(),
  at: col.timestamptz().cursor(),
};
const Events = defineTable({ name: 'events', columns });
const BronzeEvents = withAudit(defineTable({ name: 'events', columns }));
const eventsToBronze = defineTransform({ from: Events, to: BronzeEvents, map: (r) => ({ ...r }) });

function load(cursor: 'at' | null, overrides: TestLoadOverrides = {}) {
  const mode = defaultWriteMode({ primaryKey: BronzeEvents.primaryKey, cursor });
  return loadTable(
    testLoadOptions(
      { sourceTable: Events, targetTable: BronzeEvents, transform: eventsToBronze, cursor },
      { source, target, sourceSchema: SRC, targetSchema: DST },
      { mode, ...overrides },
    ),
  );
}

/** Every row of a schema's `events` as a multiset: count, and md5 over the sorted rows. */
async function multiset(schema: string, distinct = false): Promise<{ rows: number; md5: string }> {
  const [row] = await sql<{ rows: string; md5: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as md5
       from (select ${distinct ? 'distinct' : ''} seq, payload, at from ${schema}.events) t`,
  );
  return { rows: Number(row?.rows), md5: row?.md5 ?? '' };
}

/** Adds `n` events after the last, each logged twice (identical rows), one more at the same time. */
async function addEvents(from: number, n: number): Promise<void> {
  await sql(
    `insert into ${SRC}.events
       select g, 'event ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
         from generate_series($1::int, $2::int) g, generate_series(1, 2)`,
    [from, from + n - 1],
  );
}

/** Adds events `from`..`to` once each, ten to a second (their timestamps tie). */
async function addDistinctEvents(from: number, to: number): Promise<void> {
  await sql(
    `insert into ${SRC}.events
       select g, 'event ' || g, timestamptz '2024-01-01 00:00:00+00' + (g / 10) * interval '1 second'
         from generate_series($1::int, $2::int) g`,
    [from, to],
  );
}

describe('a table without a primary key on real PostgreSQL', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${SRC}`);
    await sql(`create table ${SRC}.events (seq bigint, payload text, at timestamptz not null)`);
  });

  beforeEach(async () => {
    await db.dropTarget(DST, 'events');
    await sql(`truncate ${SRC}.events`);
    await addEvents(1, 500);
  });

  afterAll(() => db.close([SRC, DST], 'kl'));

  it('is refused append after its timestamp cursor and merge without a dedup rule, naming the table', async () => {
    expect(defaultWriteMode({ primaryKey: BronzeEvents.primaryKey, cursor: 'at' })).toBe('replace');
    const append = load('at', { mode: 'append' });
    await expect(append).rejects.toBeInstanceOf(ConfigError);
    await expect(append).rejects.toThrow(
      `${DST}.events cannot be loaded with append: append needs a unique cursor (the source's primary key or a rowversion): rows sharing the saved value of at would be lost or doubled; use merge (on a key or dedupOn), or replace.`,
    );
    await expect(load('at', { mode: 'merge' })).rejects.toThrow(
      `${DST}.events cannot be loaded with merge: merge needs a primary key on the target or a dedup rule`,
    );
    expect(await sql(`select to_regclass('${DST}.events') as t`)).toEqual([{ t: null }]);
  });

  it('is replaced on every run: three runs hold the source once', async () => {
    for (const cursor of ['at', null] as const) {
      for (let run = 0; run < 3; run += 1) {
        expect(await load(cursor)).toMatchObject({ read: 1000, written: 1000 });
        expect(await multiset(DST)).toEqual({ ...(await multiset(SRC)), rows: 1000 });
      }
    }
  });

  it('is merged on its dedup rule after its cursor: three runs hold exactly the source, ties and late rows included', async () => {
    await sql(`truncate ${SRC}.events`);
    await addDistinctEvents(1, 995);
    const merge = { mode: 'merge', dedupOn: ['seq'] } as const;
    expect(await load('at', merge)).toMatchObject({ read: 995, written: 995 });
    expect(await multiset(DST)).toEqual(await multiset(SRC));
    // Unchanged: only the rows at the saved value (seq 990..995) are read again, none written.
    for (let run = 0; run < 2; run += 1) {
      expect(await load('at', merge)).toMatchObject({ read: 6, written: 0 });
      expect(await multiset(DST)).toEqual({ ...(await multiset(SRC)), rows: 995 });
    }
    // Committed later at the saved value (996..999 share it), one row changed there, and on.
    await addDistinctEvents(996, 1005);
    await sql(`update ${SRC}.events set payload = 'changed' where seq = 992`);
    expect(await load('at', merge)).toMatchObject({ read: 16, written: 11 });
    expect(await multiset(DST)).toEqual({ ...(await multiset(SRC)), rows: 1005 });
    expect(await load('at', merge)).toMatchObject({ read: 6, written: 0 });
    expect(await multiset(DST)).toEqual(await multiset(SRC));
  });

  it('is merged on the whole row: repeated rows are held once, whatever the runs', async () => {
    const merge = { mode: 'merge', dedupOn: ['seq', 'payload', 'at'] } as const;
    for (const cursor of ['at', 'at', null, 'at'] as const) {
      await load(cursor, merge);
      expect(await multiset(DST)).toEqual({ ...(await multiset(SRC, true)), rows: 500 });
    }
    await addEvents(501, 3);
    expect(await load('at', merge)).toMatchObject({ written: 3 });
    expect(await multiset(DST)).toEqual({ ...(await multiset(SRC, true)), rows: 503 });
  });
});
