import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { infraPaths, localInfra } from '@datakit/local-infra';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { defineDatakit } from './define-datakit.ts';
import { runDatakit } from './run-datakit.ts';
import { captureIo } from './_test-datakit.ts';

// `run` on real PostgreSQL with two tables loaded at once (issue 12 item 5): each on its own
// sessions and in its own transaction, so their loads overlap in time, and a table that fails
// leaves its target as it was while the other commits all of its rows.
const STAMP = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `cc_src_${STAMP}`;
const DST = `cc_dst_${STAMP}`;
const ROWS = 60_000;
const loader = localInfra().postgres.connection('warehouse_loader', 'warehouse');
const admin = new pg.Client(loader);
const sql = async (text: string): Promise<pg.QueryResultRow[]> => (await admin.query(text)).rows;

const columns = { id: col.integer().primaryKey(), name: col.text() };
const bronzeColumns = { id: col.integer().primaryKey(), name: col.text() };
const tableOf = (name: string) => {
  const source = defineTable({ name, columns });
  const target = withAudit(defineTable({ name, schema: 'bronze', columns: bronzeColumns }));
  return {
    source,
    target,
    // beta's rows fail its contract when their name is "bad" (the rejects fail the run).
    transform: defineTransform({
      from: source,
      to: target,
      map: (row) => ({ ...row, name: row.name === 'bad' ? (null as unknown as string) : row.name }),
    }),
    mode: 'replace' as const,
  };
};
const kit = defineDatakit({ name: 'concurrency-kit', tables: [tableOf('alpha'), tableOf('beta')] });

let dir: string;
const configWith = (fields: Record<string, unknown>): string => {
  const connection = {
    kind: 'postgres',
    host: loader.host,
    port: loader.port,
    database: loader.database,
    user: loader.user,
    password: `file:${join(infraPaths().postgresSecretsDir, 'warehouse_loader.password')}`,
  };
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      source: connection,
      target: connection,
      sourceSchema: SRC,
      targetSchema: DST,
      ...fields,
    }),
  );
  return file;
};

async function run(fields: Record<string, unknown>) {
  const io = captureIo();
  const code = await runDatakit(kit, ['run', '--config', configWith(fields)], {}, { io });
  const summary = io.events().at(-1) ?? {};
  const runId = summary['runId'] as string;
  const runs = await sql(
    `select target_table, status, rows_written, started_at, finished_at from _datakit.runs
      where run_id = '${runId}' order by target_table`,
  );
  return { code, io, runs, summary };
}

const overlap = (a: pg.QueryResultRow, b: pg.QueryResultRow): boolean =>
  a['started_at'] < b['finished_at'] && b['started_at'] < a['finished_at'];

describe('run with tables loaded concurrently, on real PostgreSQL', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runtime-concurrency-'));
    await admin.connect();
    await sql(`create schema ${SRC}`);
    for (const table of ['alpha', 'beta']) {
      await sql(`create table ${SRC}.${table} (id integer primary key, name text not null)`);
    }
  });

  beforeEach(async () => {
    await sql(`drop schema if exists ${DST} cascade`);
    for (const table of ['alpha', 'beta']) {
      await sql(`truncate ${SRC}.${table}`);
      await sql(
        `insert into ${SRC}.${table} select g, '${table} ' || g from generate_series(1, ${ROWS}) g`,
      );
    }
  });

  afterAll(async () => {
    await sql(`drop schema if exists ${SRC} cascade`);
    await sql(`drop schema if exists ${DST} cascade`);
    await sql(`delete from _datakit.runs where target_table like '${DST}.%'`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads two tables of a new schema at the same time, their load windows overlapping', async () => {
    const { code, io, runs, summary } = await run({ concurrency: 2 });

    expect(code, io.err()).toBe(0);
    expect(runs.map((r) => [r['target_table'], r['status'], Number(r['rows_written'])])).toEqual([
      [`${DST}.alpha`, 'succeeded', ROWS],
      [`${DST}.beta`, 'succeeded', ROWS],
    ]);
    expect(overlap(runs[0]!, runs[1]!)).toBe(true);
    expect(summary['timings']).toMatchObject({ concurrency: 2 });
  });

  it('loads one table after the other with concurrency 1', async () => {
    const { code, runs } = await run({ concurrency: 1 });

    expect(code).toBe(0);
    expect(overlap(runs[0]!, runs[1]!)).toBe(false);
  });

  it('commits every row of the table that loads while the other fails, and none of the failed one', async () => {
    await run({ concurrency: 2 });
    await sql(`update ${SRC}.alpha set name = name || ' v2'`);
    await sql(`update ${SRC}.beta set name = 'bad' where id % 1000 = 0`);

    const { code, runs } = await run({ concurrency: 2 });

    expect(code).toBe(4);
    expect(runs.map((r) => [r['target_table'], r['status']])).toEqual([
      [`${DST}.alpha`, 'succeeded'],
      [`${DST}.beta`, 'failed'],
    ]);
    expect(overlap(runs[0]!, runs[1]!)).toBe(true);
    const [alpha] = await sql(
      `select count(*)::int as n, count(*) filter (where name like '% v2')::int as v2 from ${DST}.alpha`,
    );
    expect(alpha).toEqual({ n: ROWS, v2: ROWS });
    const [beta] = await sql(
      `select count(*)::int as n, count(*) filter (where name = 'bad')::int as bad from ${DST}.beta`,
    );
    expect(beta).toEqual({ n: ROWS, bad: 0 });
  });
});
