import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { compareLiveTables } from '@datakit/drift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testLoadOptions, testSourceSession } from './__fixtures__/load-options.ts';
import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { loadTable } from './load-table.ts';

// Real PostgreSQL (npm run infra:up): a source table and key column whose names need quotes
// are contracted with source names, drift-checked and loaded, twice.
const SRC = scratchSchema('qn_src');
const DST = scratchSchema('qn_dst');
const db = new ScratchDb();
const { source, target, sql } = db;

const Location = defineTable({
  name: 'warehouse_location',
  sourceName: 'Warehouse Location',
  columns: {
    loc_id: col.integer().primaryKey().source('Loc ID'),
    select: col.text().source('select'),
    city_name: col.varchar(20).nullable().source('CityName'),
  },
});
const BronzeLocation = withAudit(
  defineTable({
    name: 'warehouse_location',
    schema: 'bronze',
    columns: {
      loc_id: col.integer().primaryKey(),
      select: col.text(),
      city_name: col.varchar(20).nullable(),
    },
  }),
);
const toBronze = defineTransform({
  from: Location,
  to: BronzeLocation,
  map: (row) => ({ ...row }),
});

describe('tables and columns whose names need quotes', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${SRC}`);
    await sql(
      `create table ${SRC}."Warehouse Location" ("Loc ID" integer primary key,
         "select" text not null, "CityName" varchar(20))`,
    );
    await sql(
      `insert into ${SRC}."Warehouse Location"
         select g, 'row ' || g, case when g % 3 = 0 then null else 'City' || g end
         from generate_series(1, 300) g`,
    );
  });
  afterAll(() => db.close([SRC, DST], 'qn_dst'));

  it('finds no drift between the contract and the live table read by its source name', async () => {
    const [result] = await compareLiveTables(
      testSourceSession(source),
      [{ schema: SRC, table: Location }],
      { side: 'source', extraColumns: 'freeze' },
    );
    expect(result?.tables[0]).toMatchObject({ exists: true, changes: [] });
  });

  it('loads every row exactly, and a second run changes nothing', async () => {
    const options = () =>
      testLoadOptions(
        { sourceTable: Location, targetTable: BronzeLocation, transform: toBronze, cursor: null },
        { source, target, sourceSchema: SRC, targetSchema: DST },
      );
    expect(await loadTable(options())).toMatchObject({ read: 300, written: 300, rejected: 0 });
    expect(await loadTable(options())).toMatchObject({ read: 300, written: 0, rejected: 0 });
    const fingerprint = async (from: string) =>
      (
        await sql<{ md5: string }>(
          `select md5(string_agg(concat_ws('|', a, b, c), ',' order by a)) as md5 from (${from}) t(a, b, c)`,
        )
      )[0]?.md5;
    expect(
      await fingerprint(`select loc_id, "select", city_name from ${DST}.warehouse_location`),
    ).toBe(
      await fingerprint(`select "Loc ID", "select", "CityName" from ${SRC}."Warehouse Location"`),
    );
  });
});
