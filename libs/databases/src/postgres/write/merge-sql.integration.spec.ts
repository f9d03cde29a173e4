import { randomUUID } from 'node:crypto';

import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { DatakitError } from '@datakit/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testLoadOptions } from './__fixtures__/load-options.ts';
import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { loadTable } from './load-table.ts';
import { keyedMergeSql, STAGE, type MergeStatement } from './merge-sql.ts';
import { createTableSql, qualified } from './sql.ts';

// Real PostgreSQL 15 (npm run infra:up): MERGE and INSERT … ON CONFLICT, the statements a
// merge uses from PostgreSQL 15 on and before it, write the same rows and count the same on a
// populated target, for kinds compared by their text and NULLs; a key staged twice fails by
// name either way.
const DST = scratchSchema('mg_dst');
const SRC = scratchSchema('mg_src');
const db = new ScratchDb();
const { source, target, sql } = db;

/** The source's contract: the target's data columns. */
const Source = defineTable({
  name: 'measure',
  columns: {
    site: col.text().primaryKey(),
    seq: col.integer().primaryKey(),
    doc: col.json().nullable(),
    ratio: col.double(),
    span: col.interval(),
    amount: col.numeric(),
    note: col.text().nullable(),
    samples: col.array(col.double().nullable()).nullable(),
    select: col.text(),
  },
});
const Measure = withAudit(defineTable({ ...Source.definition, schema: 'bronze' }));
const COLUMNS = 'site, seq, doc, ratio, span, amount, note, samples, "select"';
const OLD_RUN = '00000000-0000-4000-8000-000000000001';

/** The target's rows before the merge: 100 keys. */
const BEFORE = `select 'site ' || (g % 3), g, '{"a":1}'::json,
  case when g = 2 then 0 else 0.5 end::float8, interval '1 day',
  1.0::numeric, case when g % 2 = 0 then 'n' end, array[1, null]::float8[], 'v' || g
  from generate_series(1, 100) g`;

/**
 * The stage: the same 100 keys, four changed in ways only an exact comparison sees (json's
 * spacing, -0 for 0, 24 hours for a day, 1.00 for 1.0), six plainly (NaN, text, NULL to text
 * and back, an array's NULL element dropped), and three new keys.
 */
const STAGED = `select site, seq,
    case seq when 1 then '{"a": 1}'::json else doc end,
    case seq when 2 then '-0'::float8 when 3 then 'NaN' else ratio end,
    case seq when 4 then interval '24 hours' else span end,
    case seq when 5 then 1.00::numeric else amount end,
    case seq when 6 then 'now text' when 8 then null when 11 then 'from null' else note end,
    case seq when 7 then array[1]::float8[] else samples end,
    case seq when 9 then 'changed' else "select" end
  from (${BEFORE}) b(${COLUMNS})
  union all
  select 'site new', g, null, 2, interval '1 hour', 3, null, null, 'new' from generate_series(101, 103) g`;

/** Merges STAGED into a copy of BEFORE with `statement`; the count and the table's rows. */
async function mergeWith(statement: MergeStatement) {
  const table = qualified(DST, Measure.name);
  const runId = randomUUID();
  await sql(`drop table if exists ${table}`);
  await sql(createTableSql(Measure, DST));
  await sql(
    `insert into ${table} (${COLUMNS}, _run_id, _loaded_at, _created_at, _updated_at)
       select *, '${OLD_RUN}'::uuid, '2020-01-01', '2020-01-01', '2020-01-01' from (${BEFORE}) b`,
  );
  await sql('begin');
  try {
    await sql(
      `create temporary table ${STAGE} on commit drop as select ${COLUMNS} from ${table} with no data`,
    );
    await sql(`insert into ${STAGE} ${STAGED}`);
    const merged = await db.admin.query(
      keyedMergeSql({ table: Measure, schema: DST, runId, statement }),
    );
    await sql('commit');
    const rows = await sql<Record<string, unknown>>(
      `select site, seq, doc::text, ratio::text, span::text, amount::text, note, samples::text,
              "select", _run_id = '${runId}' as by_run, _created_at = '2020-01-01' as created_before,
              _loaded_at = _updated_at as stamped_together
         from ${table} order by site, seq`,
    );
    return { count: merged.rowCount, rows };
  } catch (error) {
    await sql('rollback');
    throw error;
  }
}

/** A merge of SRC.measure into DST.measure, read whole. */
const options = () =>
  testLoadOptions(
    {
      sourceTable: Source,
      targetTable: Measure,
      transform: defineTransform({ from: Source, to: Measure, map: (row) => ({ ...row }) }),
      cursor: null,
    },
    { source, target, sourceSchema: SRC, targetSchema: DST },
  );

describe('the merge statements on a populated target', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${DST}`);
    await sql(`create schema ${SRC}`);
  });
  afterAll(() => db.close([DST, SRC], 'mg_dst'));

  it('MERGE changes the ten rows that differ exactly and adds the three new ones', async () => {
    const { count, rows } = await mergeWith('merge');
    expect(count).toBe(13);
    expect(rows).toHaveLength(103);
    const written = rows.filter((r) => r.by_run === true);
    expect(written.map((r) => r.seq).sort((a, b) => Number(a) - Number(b))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 101, 102, 103,
    ]);
    // A changed row keeps when its key was first loaded; a new one gets the run's time.
    expect(written.filter((r) => Number(r.seq) <= 11).every((r) => r.created_before)).toBe(true);
    expect(written.filter((r) => Number(r.seq) > 100).some((r) => r.created_before)).toBe(false);
    expect(rows.filter((r) => r.by_run !== true).every((r) => r.created_before)).toBe(true);
    expect(rows.find((r) => r.seq === 1)?.doc).toBe('{"a": 1}');
    expect(rows.find((r) => r.seq === 2)?.ratio).toBe('-0');
    expect(rows.find((r) => r.seq === 5)?.amount).toBe('1.00');
  });

  it('INSERT … ON CONFLICT writes the same rows and counts the same', async () => {
    const merged = await mergeWith('merge');
    const upserted = await mergeWith('upsert');
    expect(upserted.count).toBe(merged.count);
    expect(upserted.rows).toEqual(merged.rows);
  });

  it('names a new key the source repeats, and leaves the target as it was', async () => {
    await sql(
      `create table ${SRC}.measure (site text, seq integer, doc json, ratio float8,
         span interval, amount numeric, note text, samples float8[], "select" text)`,
    );
    await sql(`insert into ${SRC}.measure ${BEFORE}`);
    await sql(`drop table if exists ${DST}.measure`);
    expect(await loadTable(options())).toMatchObject({ written: 100 });
    const before = await sql(`select * from ${DST}.measure order by site, seq`);
    // Key ('site new', 500) is not in the target and comes twice.
    await sql(
      `insert into ${SRC}.measure select 'site new', 500, null, 1, '1 hour', 1, null, null, x
         from unnest(array['a', 'b']) x`,
    );
    const load = loadTable(options());
    await expect(load).rejects.toBeInstanceOf(DatakitError);
    await expect(load).rejects.toThrow(
      /the rows read repeat a primary key: \(site, seq\)=\(site new, 500\) in 2 rows\. Nothing was committed/,
    );
    expect(await sql(`select * from ${DST}.measure order by site, seq`)).toEqual(before);
  });

  it('merges into a table with a rule, which MERGE refuses, by the upsert', async () => {
    await sql(`create rule keep_rows as on delete to ${DST}.measure do instead nothing`);
    await sql(`update ${SRC}.measure set note = 'ruled' where seq = 3`);
    await sql(`delete from ${SRC}.measure where seq = 500`);
    try {
      expect(await loadTable(options())).toMatchObject({ read: 100, written: 1 });
      const [row] = await sql(`select note from ${DST}.measure where seq = 3`);
      expect(row).toEqual({ note: 'ruled' });
    } finally {
      await sql(`drop rule keep_rows on ${DST}.measure`);
    }
  });

  it('leaves the unique violation of another index as PostgreSQL gave it', async () => {
    await sql(`create unique index on ${DST}.measure ("select")`);
    await sql(`update ${SRC}.measure set "select" = 'v1' where seq = 2`);
    const load = loadTable(options());
    await expect(load).rejects.toThrow(/duplicate key value violates unique constraint/);
    await expect(load).rejects.not.toThrow(/repeat a primary key/);
  });
});
