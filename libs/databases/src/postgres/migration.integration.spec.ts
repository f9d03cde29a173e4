import { col, defineTable, describeTable, diffContracts, withAudit } from '@datakit/contracts';
import type { ColumnBuilders, DiffableSpec } from '@datakit/contracts';
import { compareLiveTables } from '@datakit/drift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testSourceSession } from './write/__fixtures__/load-options.ts';
import { ScratchDb, scratchSchema } from './write/__fixtures__/scratch-db.ts';
import { migrationSteps } from './migration.ts';
import { ensureBookkeeping } from './write/bookkeeping.ts';
import { createTableSql } from './write/sql.ts';

// Real PostgreSQL (npm run infra:up): the tables one version of a datakit made, migrated with
// the printed DDL, match the next version's contracts with no drift, and keep their rows.
const DST = scratchSchema('mig_dst');
const db = new ScratchDb();
const { sql } = db;

const version = (columns: ColumnBuilders) =>
  withAudit(defineTable({ name: 'film', schema: DST, columns }));
const V1 = version({
  film_id: col.integer().primaryKey(),
  title: col.varchar(20),
  rating: col.text(),
  length: col.smallint().nullable(),
  at: col.timestamptz().cursor(),
});
const V2 = version({
  film_id: col.integer().primaryKey(),
  title: col.text(),
  rating: col.enum(['G', 'PG', 'R'], { typeName: 'mpaa' }),
  length: col.integer(),
  note: col.text().nullable(),
  at: col.timestamptz().nullable(),
});
const spec = (table: typeof V1 | typeof V2): DiffableSpec => ({
  contracts: [describeTable(table)],
  transforms: [{ name: 'film', source: `src.film`, target: `${DST}.film` }],
});

describe('the migration DDL between two versions, on real PostgreSQL', () => {
  beforeAll(async () => {
    await db.connect();
    await ensureBookkeeping(db.admin);
    await sql(`create schema ${DST}`);
    await sql(createTableSql(V1, DST));
    await sql(`select set_config('datakit.run_id', gen_random_uuid()::text, false)`);
    await sql(
      `insert into ${DST}.film (film_id, title, rating, length, at)
         select g, 'film ' || g, case when g % 2 = 0 then 'PG' else 'G' end, 90 + g, now()
         from generate_series(1, 50) g`,
    );
  });
  afterAll(() => db.close([DST], 'mig_dst'));

  it('finds drift before the migration and none after it, and keeps every row', async () => {
    const drift = async () =>
      (
        await compareLiveTables(testSourceSession(db.target), [{ schema: DST, table: V2 }], {
          side: 'target',
          extraColumns: 'freeze',
        })
      )[0]!;
    expect((await drift()).ok).toBe(false);
    await sql(
      `insert into _datakit.cursors (target_table, source_table, cursor_column, cursor_value, run_id) values ($1, 'src.film', 'at', '2026-01-01', gen_random_uuid())`,
      [`${DST}.film`],
    );

    const steps = migrationSteps(diffContracts(spec(V1), spec(V2)), spec(V1), spec(V2));
    const statements = steps.flatMap((s) => s.sql).filter((s) => !s.startsWith('--'));
    for (const statement of statements) await sql(statement);

    const after = await drift();
    expect(after.tables[0]?.changes).toEqual([]);
    expect(after.ok).toBe(true);
    const [row] = await sql<{ n: string; pg: string }>(
      `select count(*)::text as n, count(*) filter (where rating = 'PG')::text as pg from ${DST}.film`,
    );
    expect(row).toEqual({ n: '50', pg: '25' });
    // The cursor column changed: the saved cursor no longer applies and is forgotten.
    expect(
      await sql(`select 1 from _datakit.cursors where target_table = $1`, [`${DST}.film`]),
    ).toEqual([]);
  });
});
