// npm run bench:load — one run on one machine, figures printed (not a timed test):
//  (a) raw baseline: psql COPY (SELECT …) TO STDOUT | psql COPY … FROM STDIN into an empty table;
//  (b) the datakit: pagila-bronze's real `run` verb for the rental table (validate, transform,
//      validate, merge), as its image runs it (the esbuild bundle on Node 24), in a child
//      process whose peak RSS is measured, at 1M and 3M rows; rental's columns all cross in
//      binary COPY, so the same run is also measured with DATAKIT_COPY_FORMAT=text (b-text),
//      the path of tables with numeric, date or array columns;
//  (c) row-by-row inserts through MikroORM (persist and flush per row) of a 50,000-row slice,
//      scaled to the full row count.
// The source is a rental-like table made from pagila's rental with generate_series. Needs
// `npm run infra:up`. (a) and (b) run BENCH_TRIALS times (default 3), alternating which goes
// first, each on fresh targets after a CHECKPOINT (so one's WAL is not flushed during the
// other); the figures are the medians, every trial is printed. BENCH_ROWS and
// BENCH_ROWS_LARGE change the sizes (default 1M and 3M); BENCH_QUICK=1 runs only (a) and (b),
// for iterating on the loader (no JSON line).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { formatError } from '@datakit/errors';
import { bundleEntry } from '@datakit/images';
import { infraPaths, localInfra, repoRoot, type PostgresConnection } from '@datakit/local-infra';

const root = repoRoot();
const infra = localInfra();
const paths = infraPaths();
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const rowsLarge = Number(process.env.BENCH_ROWS_LARGE ?? 3_000_000);
const ormSlice = Math.min(50_000, rows);
const trials = Math.max(1, Number(process.env.BENCH_TRIALS ?? 3));
const log = (message: string): void => void process.stderr.write(`[bench:load] ${message}\n`);
const now = (): bigint => process.hrtime.bigint();
const since = (start: bigint): number => Number(now() - start) / 1e9;
const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

async function sql(connection: PostgresConnection, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

const admin = (database: string): PostgresConnection =>
  infra.postgres.connection('datakit_admin', database);
const RENTAL_COLUMNS =
  'rental_id, rental_date, inventory_id, customer_id, return_date, staff_id, last_update';

/** A rental-like source of `n` rows in pagila (schema bench_load), readable by the reader. */
async function makeSource(n: number): Promise<void> {
  log(`making a ${n}-row rental-like source with generate_series`);
  await sql(
    admin('pagila'),
    `drop schema if exists bench_load cascade;
     create schema bench_load;
     create table bench_load.rental (like public.rental including defaults);
     alter table bench_load.rental add primary key (rental_id);
     insert into bench_load.rental (${RENTAL_COLUMNS})
       select g, r.rental_date + (g / 16044) * interval '1 day', r.inventory_id, r.customer_id,
              r.return_date, r.staff_id, r.last_update + (g % 86400) * interval '1 second'
       from generate_series(1, ${n}) g join public.rental r on r.rental_id = 1 + (g % 16044);
     analyze bench_load.rental;
     grant usage on schema bench_load to pagila_reader;
     grant select on all tables in schema bench_load to pagila_reader;`,
  );
}

/** Writes every dirty buffer now, so that a checkpoint does not land inside a measurement. */
async function checkpoint(): Promise<void> {
  await sql(admin('warehouse'), 'CHECKPOINT');
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Empty targets in the warehouse, owned by the loader role. */
async function resetTargets(): Promise<void> {
  await sql(
    infra.postgres.connection('warehouse_loader', 'warehouse'),
    `drop schema if exists bench_raw cascade; drop schema if exists bench_orm cascade;
     drop schema if exists bench_datakit cascade;
     create schema bench_raw;
     create table bench_raw.rental (rental_id integer primary key, rental_date timestamptz not null,
       inventory_id integer not null, customer_id integer not null, return_date timestamptz,
       staff_id integer not null, last_update timestamptz not null);
     create schema bench_orm;
     create table bench_orm.rental (like bench_raw.rental including all);`,
  );
}

function psqlEnv(connection: PostgresConnection): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: connection.host,
    PGPORT: String(connection.port),
    PGUSER: connection.user,
    PGPASSWORD: connection.password,
    PGDATABASE: connection.database,
  };
}

/** (a) psql COPY out piped into psql COPY in. */
async function rawCopy(): Promise<number> {
  const start = now();
  const out = spawn(
    'psql',
    ['-X', '-q', '-c', `COPY (SELECT ${RENTAL_COLUMNS} FROM bench_load.rental) TO STDOUT`],
    {
      env: psqlEnv(infra.postgres.connection('pagila_reader', 'pagila')),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const into = spawn('psql', ['-X', '-q', '-c', 'COPY bench_raw.rental FROM STDIN'], {
    env: psqlEnv(infra.postgres.connection('warehouse_loader', 'warehouse')),
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  out.stdout.pipe(into.stdin);
  const codes = await Promise.all(
    [out, into].map((p) => new Promise<number>((resolve) => p.on('close', (c) => resolve(c ?? 1)))),
  );
  if (codes.some((c) => c !== 0)) throw new Error(`psql | psql exited with ${codes.join(', ')}`);
  return since(start);
}

/** (b) the datakit's own `run` verb for rental, with GNU time's peak RSS. */
function datakitRun(
  scratch: string,
  bundle: string,
  env: NodeJS.ProcessEnv = {},
): { seconds: number; rssMb: number; summary: string } {
  const secret = (role: string): string =>
    `file:${join(paths.postgresSecretsDir, `${role}.password`)}`;
  const config = join(scratch, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: {
        kind: 'postgres',
        host: '127.0.0.1',
        database: 'pagila',
        user: 'pagila_reader',
        password: secret('pagila_reader'),
      },
      target: {
        kind: 'postgres',
        host: '127.0.0.1',
        database: 'warehouse',
        user: 'warehouse_loader',
        password: secret('warehouse_loader'),
      },
      mode: 'merge',
      tables: ['rental'],
      sourceSchema: 'bench_load',
      targetSchema: 'bench_datakit',
    }),
  );
  const start = now();
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'maxrss_kb=%M', process.execPath, bundle, 'run', '--config', config],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        DATAKIT_NAME: 'pagila-bronze',
        DATAKIT_VERSION: '0.0.0-bench',
        ...env,
      },
    },
  );
  const seconds = since(start);
  const rss = Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? NaN) / 1024;
  const summary = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0)
    throw new Error(
      `the datakit run exited with ${run.status}: ${summary}\n${run.stderr.slice(-2000)}`,
    );
  return { seconds, rssMb: rss, summary };
}

/** (c) MikroORM, one persist and flush per row. */
async function ormRowByRow(): Promise<number> {
  const Rental = new EntitySchema<Record<string, unknown>>({
    name: 'BenchRental',
    tableName: 'rental',
    schema: 'bench_orm',
    properties: {
      rental_id: { type: 'number', primary: true },
      rental_date: { type: 'Date' },
      inventory_id: { type: 'number' },
      customer_id: { type: 'number' },
      return_date: { type: 'Date', nullable: true },
      staff_id: { type: 'number' },
      last_update: { type: 'Date' },
    },
  });
  const source = await sql(
    infra.postgres.connection('pagila_reader', 'pagila'),
    `SELECT ${RENTAL_COLUMNS} FROM bench_load.rental ORDER BY rental_id LIMIT ${ormSlice}`,
  );
  const target = infra.postgres.connection('warehouse_loader', 'warehouse');
  const orm = await MikroORM.init({
    entities: [Rental],
    dbName: target.database,
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    debug: false,
  });
  try {
    const em = orm.em.fork();
    const start = now();
    for (const row of source.rows as Record<string, unknown>[]) {
      em.persist(em.create(Rental, row));
      await em.flush();
      em.clear();
    }
    return since(start);
  } finally {
    await orm.close(true);
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'datakit-bench-load-'));
  try {
    await makeSource(rows);
    const { file: bundle } = await bundleEntry(
      root,
      'datakits/pagila-bronze/src/main.ts',
      join(scratch, 'main.mjs'),
    );
    type Run = ReturnType<typeof datakitRun>;
    const measureRaw = async (): Promise<number> => {
      await checkpoint();
      const seconds = await rawCopy();
      log(`(a) raw psql COPY | psql COPY: ${round(seconds)} s`);
      return seconds;
    };
    /** (b), then (b-text) on a fresh target. */
    const measureDatakit = async (): Promise<[Run, Run]> => {
      await checkpoint();
      const run = datakitRun(scratch, bundle);
      log(
        `(b) datakit run (validate, transform, validate, merge): ${round(run.seconds)} s, peak RSS ${round(run.rssMb, 1)} MB`,
      );
      await resetTargets();
      await checkpoint();
      const text = datakitRun(scratch, bundle, { DATAKIT_COPY_FORMAT: 'text' });
      log(`(b-text) the same in text COPY: ${round(text.seconds)} s`);
      return [run, text];
    };
    const raws: number[] = [];
    const runs: Run[] = [];
    const textRuns: Run[] = [];
    for (let trial = 0; trial < trials; trial += 1) {
      await resetTargets();
      // Alternating which goes first.
      if (trial % 2 === 0) raws.push(await measureRaw());
      const [run, text] = await measureDatakit();
      runs.push(run);
      textRuns.push(text);
      if (trial % 2 === 1) {
        await resetTargets();
        raws.push(await measureRaw());
      }
    }
    const raw = median(raws);
    const datakit = {
      seconds: median(runs.map((r) => r.seconds)),
      rssMb: Math.max(...runs.map((r) => r.rssMb)),
    };
    const textSeconds = median(textRuns.map((r) => r.seconds));
    log(
      `medians of ${trials}: (a) ${round(raw)} s, ${Math.round(rows / raw)} rows/s; (b) ${round(datakit.seconds)} s, ${Math.round(rows / datakit.seconds)} rows/s, peak RSS ${round(datakit.rssMb, 1)} MB; (b-text) ${round(textSeconds)} s, ${round(textSeconds / raw)} of (a)`,
    );
    if (process.env.BENCH_QUICK === '1') {
      log(`quick: datakit_over_raw ${round(datakit.seconds / raw)}`);
      return;
    }
    const orm = await ormRowByRow();
    const ormScaled = (orm * rows) / ormSlice;
    log(
      `(c) MikroORM persist+flush per row: ${round(orm)} s for ${ormSlice} rows, scaled ${round(ormScaled)} s, ${Math.round(ormSlice / orm)} rows/s`,
    );
    await makeSource(rowsLarge);
    await resetTargets();
    await checkpoint();
    const large = datakitRun(scratch, bundle);
    log(
      `(b') datakit run at ${rowsLarge} rows: ${round(large.seconds)} s, peak RSS ${round(large.rssMb, 1)} MB`,
    );
    const result = {
      bench: 'load',
      rows,
      trials,
      raw_s: round(raw),
      datakit_s: round(datakit.seconds),
      orm_scaled_s: round(ormScaled),
      datakit_over_raw: round(datakit.seconds / raw),
      datakit_text_s: round(textSeconds),
      datakit_text_over_raw: round(textSeconds / raw),
      orm_over_datakit: round(ormScaled / datakit.seconds),
      rss_mb_1m: round(datakit.rssMb, 1),
      rss_mb_3m: round(large.rssMb, 1),
    };
    log(
      `targets: datakit_over_raw <= 1.15 (${result.datakit_over_raw}), orm_over_datakit >= 20 (${result.orm_over_datakit}), RSS < 250 MB (${result.rss_mb_1m}, ${result.rss_mb_3m})`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await sql(admin('pagila'), 'drop schema if exists bench_load cascade').catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:load: ${formatError(error)}\n`);
  process.exit(1);
});
