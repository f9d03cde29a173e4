import { col, defaultWriteMode, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { testLoadOptions } from './__fixtures__/load-options.ts';
import { loadTable } from './load-table.ts';

// A table without a primary key, whose rows repeat exactly (the same event logged twice): on
// real PostgreSQL, loaded three times with the mode its facts give (append after its cursor;
// replace on a full read), the target holds exactly the source's rows, duplicates included.
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

function load(cursor: 'at' | null) {
  const mode = defaultWriteMode({ primaryKey: BronzeEvents.primaryKey, cursor });
  return loadTable(
    testLoadOptions(
      { sourceTable: Events, targetTable: BronzeEvents, transform: eventsToBronze, cursor },
      { source, target, sourceSchema: SRC, targetSchema: DST },
      { mode },
    ),
  );
}

/** Every row of a schema's `events` as a multiset: count, and md5 over the sorted rows. */
async function multiset(schema: string): Promise<{ rows: number; md5: string }> {
  const [row] = await sql<{ rows: string; md5: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as md5
       from (select seq, payload, at from ${schema}.events) t`,
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

  it('is appended after its cursor: three runs and new rows, never a row doubled', async () => {
    expect(defaultWriteMode({ primaryKey: BronzeEvents.primaryKey, cursor: 'at' })).toBe('append');
    const first = await load('at');
    expect(first).toMatchObject({ read: 1000, written: 1000 });
    expect(await multiset(DST)).toEqual(await multiset(SRC));
    const again = [await load('at'), await load('at')];
    expect(again.map((r) => r.read)).toEqual([0, 0]);
    expect(await multiset(DST)).toEqual(await multiset(SRC));
    await addEvents(501, 10);
    expect(await load('at')).toMatchObject({ read: 20, written: 20 });
    expect(await multiset(DST)).toEqual({ ...(await multiset(SRC)), rows: 1020 });
  });

  it('is replaced on a full read: three runs hold the source once', async () => {
    expect(defaultWriteMode({ primaryKey: BronzeEvents.primaryKey, cursor: null })).toBe('replace');
    for (let run = 0; run < 3; run += 1) {
      expect(await load(null)).toMatchObject({ read: 1000, written: 1000 });
      expect(await multiset(DST)).toEqual({ ...(await multiset(SRC)), rows: 1000 });
    }
  });
});
