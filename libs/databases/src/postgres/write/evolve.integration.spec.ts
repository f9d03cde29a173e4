import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Item, itemLoadOptions } from './__fixtures__/items.ts';
import { testLoadOptions } from './__fixtures__/load-options.ts';
import type { TestLoadOverrides } from './__fixtures__/load-options.ts';
import { loaderConfig, ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { loadTable } from './load-table.ts';
import type { LoadTableOptions } from './load-table.ts';

// Real PostgreSQL (npm run infra:up): `extraColumns: evolve` adds the columns a contract gained
// before the load, in a transaction of its own, so readers are not blocked while rows load.
const SRC = scratchSchema('ev_src');
const DST = scratchSchema('ev_dst');

const db = new ScratchDb();
const { source, target, sql } = db;

/** The bronze items contract plus a nullable enum column and a NOT NULL text column. */
const EvolvedItem = withAudit(
  defineTable({
    name: 'items',
    columns: {
      item_id: col.integer().primaryKey(),
      label: col.varchar(10),
      price: col.numeric(5, 2),
      tags: col.array(col.text()).nullable(),
      updated: col.timestamptz().cursor(),
      size: col.enum(['small', 'large'], { typeName: 'item_size' }).nullable(),
      shout: col.text(),
    },
  }),
);
const toEvolved = defineTransform({
  from: Item,
  to: EvolvedItem,
  map: (row) => ({
    ...row,
    size: row.item_id % 2 === 0 ? ('large' as const) : ('small' as const),
    shout: row.label.toUpperCase(),
  }),
});

function evolved(overrides: TestLoadOverrides = {}): LoadTableOptions {
  return testLoadOptions(
    { sourceTable: Item, targetTable: EvolvedItem, transform: toEvolved, cursor: 'updated' },
    { source, target, sourceSchema: SRC, targetSchema: DST },
    { extraColumns: 'evolve', ...overrides },
  );
}

async function fillSource(n: number): Promise<void> {
  await sql(`truncate ${SRC}.items`);
  await sql(
    `insert into ${SRC}.items
       select g, 'i-' || g, (g % 500) + 0.99, null,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
       from generate_series(1, $1) g`,
    [n],
  );
}

describe('extraColumns: evolve against real PostgreSQL', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${SRC}`);
    await sql(
      `create table ${SRC}.items (item_id integer primary key, label text not null,
         price numeric(5,2) not null, tags text[], updated timestamptz not null)`,
    );
  });

  afterAll(() => db.close([SRC, DST], 'ev'));

  it('adds the new columns (and their enum type) before the load, so a reader is not blocked while rows load', async () => {
    await fillSource(1000);
    await loadTable(
      itemLoadOptions({ source, target, sourceSchema: SRC, targetSchema: DST }, { mode: 'merge' }),
    );
    await fillSource(50_000);
    const reader = new pg.Client(loaderConfig);
    await reader.connect();
    try {
      // A reader blocked by an ACCESS EXCLUSIVE lock held for the load would wait for the
      // commit and then count 50,000.
      await reader.query(`SET statement_timeout = '20s'`);
      let during: Promise<number> | undefined;
      const result = await loadTable(
        evolved({
          onProgress: () => {
            during ??= reader
              .query<{ n: string }>(`select count(*) as n from ${DST}.items`)
              .then((r) => Number(r.rows[0]?.n));
          },
        }),
      );
      // The row at the saved cursor value is read again, and written: its new columns changed.
      expect(result).toMatchObject({ read: 49_001, written: 49_001 });
      expect(await during).toBe(1000);
    } finally {
      await reader.end();
    }
    const columns = await sql<{ name: string; type: string; not_null: boolean }>(
      `select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as not_null
         from pg_attribute where attrelid = '${DST}.items'::regclass and attname in ('size', 'shout')
        order by attnum`,
    );
    // The table had rows: the NOT NULL column is added nullable.
    expect(columns).toEqual([
      { name: 'size', type: `${DST}.item_size`, not_null: false },
      { name: 'shout', type: 'text', not_null: false },
    ]);
    expect(
      await sql(`select size::text, shout from ${DST}.items where item_id in (1, 1002) order by 1`),
    ).toEqual([
      { size: 'large', shout: 'I-1002' },
      { size: null, shout: null },
    ]);
    // Nothing missing: the next evolve run changes nothing and loads as before.
    await sql(`update ${SRC}.items set updated = updated + interval '1 day' where item_id = 1`);
    expect(await loadTable(evolved())).toMatchObject({ read: 2, written: 1 });
  });
});
