// npm run bench:load — one run on one machine, figures printed (not a timed test). Issue 12
// item 7's legs, every one run BENCH_TRIALS times (default 3), all alternating: each trial runs
// every leg once, the order turning each trial, each on a fresh target after a CHECKPOINT (so
// one's WAL is not flushed during the other); the figures are the medians, every trial is
// printed. Sources are made in pagila with generate_series; the raw pipes copy into keyless
// tables and build the key after, as the loader does with a table it creates.
//  rental (a 1,000,000-row rental-like table, BENCH_ROWS):
//   (a) raw psql COPY TO STDOUT | psql COPY FROM STDIN in text; (a-bin) the same in binary: the
//   floor; (a-bin-audit) the same into the table the datakit makes (its four audit columns
//   filled by the same defaults): the floor for what the datakit writes; (b) the datakit: pagila-bronze's real `run` verb (validate, transform, validate,
//   merge into an empty table), as its image runs it (the esbuild bundle on Node 24), with its
//   peak RSS and its run overhead (process time beyond its loads, from its summary's timings);
//   (b-text) the same with DATAKIT_COPY_FORMAT=text; (p) Debian's pgloader, PG to PG, same roles.
//  merge (rental into a populated target, 10% of the rows changed and 1% new in the source):
//   (m) the same `run` into a copy of a target the datakit loaded before (no saved cursor: the
//   whole source is read and merged); (m-raw) its raw equivalent: binary COPY into a staging
//   table and INSERT … ON CONFLICT DO UPDATE … WHERE the row differs, into a copy of the same
//   rows; (m-raw-audit) the same into a copy with the datakit's audit columns, set as it sets
//   them; (m-raw-merge) the bare copy merged by the MERGE statement the datakit runs on
//   PostgreSQL 15 instead of the upsert (the floor of the datakit's own statement).
//  wide (a 1,000,000-row table, BENCH_WIDE_ROWS: numeric(12,2), date, timestamptz, jsonb, json,
//   text[], char(3), uuid, bytea, interval, text, some nullable; `_wide-datakit.ts`):
//   (w-a) raw text pipe, (w-a-bin) raw binary pipe, (w-b) the datakit's `run` for it (a bench
//   datakit bundled as an image's; its transform a projection, `columns: 'same'`, which the
//   loader runs from the bytes), (w-b-map) the same with the transform written as a map
//   (every value decoded, validated and checked again), (w-p) pgloader.
//  Then: (c) MikroORM, persist per row and flush every 1,000 rows, of a 50,000-row slice scaled
//   to the full count; (b') the datakit at BENCH_ROWS_LARGE (3,000,000) rows for its peak RSS;
//   (s) the SQL Server leg (see sqlServerLeg). BENCH_QUICK=1: every alternating leg at 100,000
//   rows (unless BENCH_ROWS/BENCH_WIDE_ROWS say otherwise), the ORM on 5,000, no (b') or (s).
//   Each datakit figure is also given for its loads alone (`*_loads_*`: the run less its fixed
//   overhead, which has its own target). BENCH_ONLY=sqlserver runs only (s). BENCH_LEGS=a-bin,b runs only the legs named, alternating,
//   and prints their medians (for looking into one figure; no JSON line). The last line is one JSON object: each datakit figure
//   over its raw binary equivalent and over pgloader, the run overhead, RSS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { sqlServerStatementHandlers } from '@datakit/databases/testing';
import { formatError } from '@datakit/errors';
import { bundleEntry } from '@datakit/images';
import { infraPaths, localInfra, repoRoot, type PostgresConnection } from '@datakit/local-infra';
import { startTdsServer } from '@datakit/tds-server';
import { psqlEnv } from './_psql.ts';
import { BENCH_LOGIN, ordersTable } from './_sqlserver-orders.ts';
import { WIDE_COLUMNS, WIDE_DDL, wideRowsSql } from './_wide-datakit.ts';

const root = repoRoot();
const infra = localInfra();
const paths = infraPaths();
const quick = process.env.BENCH_QUICK === '1';
const rows = Number(process.env.BENCH_ROWS ?? (quick ? 100_000 : 1_000_000));
const wideRows = Number(process.env.BENCH_WIDE_ROWS ?? (quick ? 100_000 : 1_000_000));
const rowsLarge = Number(process.env.BENCH_ROWS_LARGE ?? 3_000_000);
const ormSlice = Math.min(quick ? 5_000 : 50_000, rows);
const ORM_BATCH = 1_000;
const trials = Math.max(1, Number(process.env.BENCH_TRIALS ?? 3));
const sqlServerRows = Number(process.env.BENCH_SQLSERVER_ROWS ?? 1_000_000);
const sqlServerRowsSmall = Math.max(1, Math.round(sqlServerRows / 4));
const SQLSERVER_LABEL = 'measured against the TDS test server, not SQL Server';
const log = (message: string): void => void process.stderr.write(`[bench:load] ${message}\n`);
const now = (): bigint => process.hrtime.bigint();
const since = (start: bigint): number => Number(now() - start) / 1e9;
// BENCH_NODE_ARGS: extra Node options for the datakit runs (e.g. `--cpu-prof`), for looking into one.
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
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
const loader = (): PostgresConnection => infra.postgres.connection('warehouse_loader', 'warehouse');
const RENTAL_COLUMNS =
  'rental_id, rental_date, inventory_id, customer_id, return_date, staff_id, last_update';
const RENTAL_DDL = `(rental_id integer not null, rental_date timestamptz not null,
  inventory_id integer not null, customer_id integer not null, return_date timestamptz,
  staff_id integer not null, last_update timestamptz not null)`;
/** What the merge's source changes: every 10th row (10%), and 1% new rows after the last. */
const CHANGED_EVERY = 10;
const NEW_FRACTION = 0.01;

/**
 * The sources in pagila, readable by the reader: bench_load.rental (`n` rental-like rows),
 * bench_merge.rental (the same with 10% changed and 1% new) and bench_load.wide (`wide` rows).
 */
async function makeSources(n: number, wide: number): Promise<void> {
  log(`making the sources: ${n} rental-like rows (and the merge's), ${wide} wide rows`);
  await sql(
    admin('pagila'),
    `drop schema if exists bench_load cascade; drop schema if exists bench_merge cascade;
     create schema bench_load;
     create table bench_load.rental (like public.rental including defaults);
     alter table bench_load.rental add primary key (rental_id);
     insert into bench_load.rental (${RENTAL_COLUMNS})
       select g, r.rental_date + (g / 16044) * interval '1 day', r.inventory_id, r.customer_id,
              r.return_date, r.staff_id, r.last_update + (g % 86400) * interval '1 second'
       from generate_series(1, ${n}) g join public.rental r on r.rental_id = 1 + (g % 16044);
     create schema bench_merge;
     create table bench_merge.rental (like bench_load.rental including all);
     insert into bench_merge.rental select * from bench_load.rental;
     update bench_merge.rental set return_date = rental_date + interval '3 days 1 hour',
       staff_id = 3 - staff_id, last_update = last_update + interval '1 day'
       where rental_id % ${CHANGED_EVERY} = 0;
     insert into bench_merge.rental (${RENTAL_COLUMNS})
       select ${n} + rental_id, rental_date, inventory_id, customer_id, return_date, staff_id,
              last_update + interval '2 days'
       from bench_load.rental where rental_id <= ${Math.round(n * NEW_FRACTION)};
     create table bench_load.wide ${WIDE_DDL};
     ${wideRowsSql('bench_load', wide)};
     alter table bench_load.wide add primary key (id);
     analyze bench_load.rental; analyze bench_merge.rental; analyze bench_load.wide;
     grant usage on schema bench_load, bench_merge to pagila_reader;
     grant select on all tables in schema bench_load to pagila_reader;
     grant select on all tables in schema bench_merge to pagila_reader;`,
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

/** Drops the warehouse schemas (loader-owned), then runs `then` (SQL) as the loader. */
async function resetWarehouse(schemas: string[], then = ''): Promise<void> {
  await sql(
    loader(),
    `${schemas.map((s) => `drop schema if exists ${s} cascade;`).join(' ')} ${then}`,
  );
}

/** psql COPY out of pagila piped into psql running `into` (its -c commands) in the warehouse. */
async function psqlPipe(
  select: string,
  format: 'text' | 'binary',
  into: string[],
): Promise<number> {
  const start = now();
  const out = spawn('psql', ['-X', '-q', '-c', `COPY (${select}) TO STDOUT (FORMAT ${format})`], {
    env: psqlEnv(infra.postgres.connection('pagila_reader', 'pagila')),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sink = spawn(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...into.flatMap((c) => ['-c', c])],
    {
      env: psqlEnv(loader()),
      stdio: ['pipe', 'inherit', 'inherit'],
    },
  );
  out.stdout.pipe(sink.stdin);
  const codes = await Promise.all(
    [out, sink].map((p) => new Promise<number>((resolve) => p.on('close', (c) => resolve(c ?? 1)))),
  );
  if (codes.some((c) => c !== 0)) throw new Error(`psql | psql exited with ${codes.join(', ')}`);
  return since(start);
}

/**
 * The audit columns of a table the datakit makes (`withAudit`), filled by column defaults as
 * the loader fills them during a load: the run id as a constant, the times from `now()`.
 */
const AUDIT_DDL = `_run_id uuid not null default '00000000-0000-4000-8000-000000000000'::uuid,
  _loaded_at timestamptz not null default now(), _created_at timestamptz not null default now(),
  _updated_at timestamptz not null default now()`;

/**
 * (a), (a-bin), (w-a), (w-a-bin): the source table into an empty keyless table whose primary
 * key is built after the rows, as the loader does with a table it creates. (a-bin-audit): the
 * same in binary into the table the datakit makes, its four audit columns included.
 */
async function rawCopy(
  table: 'rental' | 'wide',
  format: 'text' | 'binary',
  audited = false,
): Promise<number> {
  const schema = audited ? 'bench_rawaudit' : format === 'binary' ? 'bench_rawbin' : 'bench_raw';
  const [columns, plainDdl, key] =
    table === 'rental' ? [RENTAL_COLUMNS, RENTAL_DDL, 'rental_id'] : [WIDE_COLUMNS, WIDE_DDL, 'id'];
  const ddl = audited ? `${plainDdl.replace(/\)\s*$/, '')}, ${AUDIT_DDL})` : plainDdl;
  await resetWarehouse(
    [schema],
    `create schema ${schema}; create table ${schema}.${table} ${ddl};`,
  );
  await checkpoint();
  return psqlPipe(`SELECT ${columns} FROM bench_load.${table}`, format, [
    `COPY ${schema}.${table} (${columns}) FROM STDIN (FORMAT ${format})`,
    `ALTER TABLE ${schema}.${table} ADD PRIMARY KEY (${key})`,
  ]);
}

/**
 * (m-raw) bench_merge.rental into a copy of the populated target: staging COPY + upsert.
 * (m-raw-audit) the same into a copy with the datakit's four audit columns (every row holding
 * its values, as bench_dkmerge's do), the upsert setting them as the datakit's does.
 * (m-raw-merge) the bare copy again, the upsert replaced by the `MERGE` the datakit runs on
 * PostgreSQL 15 (a join of stage and target instead of an index probe per staged row).
 */
async function rawMerge(
  audited = false,
  statement: 'upsert' | 'merge' = 'upsert',
): Promise<number> {
  const schema = audited ? 'bench_rawmergeaudit' : 'bench_rawmerge';
  const ddl = audited ? `${RENTAL_DDL.replace(/\)\s*$/, '')}, ${AUDIT_DDL})` : RENTAL_DDL;
  await resetWarehouse(
    [schema],
    `create schema ${schema};
     create table ${schema}.rental ${ddl};
     insert into ${schema}.rental select ${audited ? '*' : RENTAL_COLUMNS} from bench_merge_base.rental;
     alter table ${schema}.rental add primary key (rental_id);
     analyze ${schema}.rental;`,
  );
  await checkpoint();
  const others = RENTAL_COLUMNS.split(', ').filter((c) => c !== 'rental_id');
  const incoming = statement === 'merge' ? 's' : 'EXCLUDED';
  const set = [
    ...others.map((c) => `${c} = ${incoming}.${c}`),
    ...(audited
      ? [
          "_run_id = '00000000-0000-4000-8000-000000000001'::uuid",
          '_loaded_at = now()',
          '_updated_at = now()',
        ]
      : []),
  ];
  const changed = `(${others.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${others.map((c) => `${incoming}.${c}`).join(', ')})`;
  const auditValues = ", '00000000-0000-4000-8000-000000000001'::uuid, now(), now(), now()";
  const auditNames = ', _run_id, _loaded_at, _created_at, _updated_at';
  const merge =
    statement === 'merge'
      ? `MERGE INTO ${schema}.rental AS t USING stage AS s ON t.rental_id = s.rental_id
           WHEN MATCHED AND ${changed} THEN UPDATE SET ${set.join(', ')}
           WHEN NOT MATCHED THEN INSERT (${RENTAL_COLUMNS}${audited ? auditNames : ''})
             VALUES (${RENTAL_COLUMNS.split(', ')
               .map((c) => `s.${c}`)
               .join(', ')}${audited ? auditValues : ''})`
      : `INSERT INTO ${schema}.rental AS t (${RENTAL_COLUMNS}${audited ? auditNames : ''})
           SELECT ${RENTAL_COLUMNS}${audited ? auditValues : ''} FROM stage
           ON CONFLICT (rental_id) DO UPDATE SET ${set.join(', ')} WHERE ${changed}`;
  return psqlPipe(`SELECT ${RENTAL_COLUMNS} FROM bench_merge.rental`, 'binary', [
    // The stage as the datakit makes its own: the data columns, no constraints.
    `CREATE TEMPORARY TABLE stage AS SELECT ${RENTAL_COLUMNS} FROM ${schema}.rental WITH NO DATA`,
    'COPY stage FROM STDIN (FORMAT binary)',
    merge,
  ]);
}

/**
 * (p), (w-p) Debian's pgloader, PostgreSQL to PostgreSQL: bench_load.<table> into a new table
 * in bench_pgloader (pgloader creates it and its index after the rows), as the same roles.
 */
/**
 * pgloader's rows in memory per table (its default is 100,000): with the default, the wide
 * table exhausted its fixed 1 GB heap in one run ("Heap exhausted, game over"), so both tables
 * are copied with this bound.
 */
const PGLOADER_PREFETCH_ROWS = 20_000;

async function pgloaderCopy(scratch: string, table: 'rental' | 'wide'): Promise<number> {
  await resetWarehouse(['bench_pgloader']);
  await checkpoint();
  const url = (role: 'pagila_reader' | 'warehouse_loader', database: string): string => {
    const c = infra.postgres.connection(role, database);
    return `pgsql://${role}:${encodeURIComponent(c.password ?? '')}@${c.host}:${c.port}/${database}`;
  };
  const file = join(scratch, `${table}.load`);
  writeFileSync(
    file,
    `LOAD DATABASE
       FROM ${url('pagila_reader', 'pagila')}
       INTO ${url('warehouse_loader', 'warehouse')}
       WITH include no drop, create tables, create indexes, reset no sequences,
            prefetch rows = ${PGLOADER_PREFETCH_ROWS}
       INCLUDING ONLY TABLE NAMES MATCHING '${table}' IN SCHEMA 'bench_load'
       ALTER SCHEMA 'bench_load' RENAME TO 'bench_pgloader';
`,
    { mode: 0o600 },
  );
  const start = now();
  const run = spawn('pgloader', ['--quiet', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  run.stdout
    .setEncoding('utf8')
    .on('data', (chunk: string) => (output = (output + chunk).slice(-8000)));
  run.stderr
    .setEncoding('utf8')
    .on('data', (chunk: string) => (output = (output + chunk).slice(-8000)));
  const code = await new Promise<number>((resolve) => run.on('close', (c) => resolve(c ?? 1)));
  const seconds = since(start);
  const count = async (database: string, schema: string): Promise<number | undefined> =>
    (
      (await sql(admin(database), `select count(*)::int as n from ${schema}.${table}`)).rows as {
        n: number;
      }[]
    )[0]?.n;
  const loaded = await count('warehouse', 'bench_pgloader').catch(() => undefined);
  const source = await count('pagila', 'bench_load');
  if (code !== 0 || loaded !== source) {
    throw new Error(
      `pgloader exited with ${code} and loaded ${loaded} of ${source} ${table} rows:\n${output}`,
    );
  }
  return seconds;
}

interface RunFigures {
  seconds: number;
  rssMb: number;
  summary: string;
  format: string;
  overhead: number;
  /** The summary's timings, e.g. `startup 60 ms, connect 12 ms, …`. */
  timings: string;
}

/** A datakit's own `run` verb for one table, with GNU time's peak RSS. */
function datakitRun(
  scratch: string,
  bundle: string,
  options: {
    table: string;
    sourceSchema?: string;
    targetSchema: string;
    name?: string;
    env?: NodeJS.ProcessEnv;
  },
): RunFigures {
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
      tables: [options.table],
      sourceSchema: options.sourceSchema ?? 'bench_load',
      targetSchema: options.targetSchema,
    }),
  );
  const start = now();
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'maxrss_kb=%M', process.execPath, ...nodeArgs, bundle, 'run', '--config', config],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        DATAKIT_NAME: options.name ?? 'pagila-bronze',
        DATAKIT_VERSION: '0.0.0-bench',
        ...options.env,
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
  // The COPY format the table's load event names.
  const format = /"format":"(\w+)"/.exec(run.stdout)?.[1] ?? 'unknown';
  // The run's time beyond its loads: process start, config, connections, drift check, exit.
  const timings = (JSON.parse(summary) as { timings?: Record<string, number> }).timings ?? {};
  const overhead = timings.loadsMs === undefined ? NaN : seconds - timings.loadsMs / 1000;
  const timingText = Object.entries(timings)
    .map(([name, value]) => `${name.replace(/Ms$/, '')} ${Math.round(value)}`)
    .join(', ');
  return { seconds, rssMb: rss, summary, format, overhead, timings: timingText };
}

/**
 * (m) Before each merge trial: bench_dkmerge.rental, a copy of the target the datakit loaded
 * from bench_load (table, defaults, key), without a saved cursor so the whole source is read.
 */
async function resetMergeTarget(): Promise<void> {
  await resetWarehouse(
    ['bench_dkmerge'],
    `create schema bench_dkmerge;
     create table bench_dkmerge.rental (like bench_merge_base.rental including all);
     insert into bench_dkmerge.rental select * from bench_merge_base.rental;
     analyze bench_dkmerge.rental;
     delete from _datakit.cursors where target_table = 'bench_dkmerge.rental';`,
  );
  await checkpoint();
}

/** (c) MikroORM: persist every row, flush (and clear) every ORM_BATCH rows. */
async function ormBatched(): Promise<number> {
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
  await resetWarehouse(
    ['bench_orm'],
    `create schema bench_orm; create table bench_orm.rental ${RENTAL_DDL};
     alter table bench_orm.rental add primary key (rental_id);`,
  );
  const source = await sql(
    infra.postgres.connection('pagila_reader', 'pagila'),
    `SELECT ${RENTAL_COLUMNS} FROM bench_load.rental ORDER BY rental_id LIMIT ${ormSlice}`,
  );
  const target = loader();
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
    let pending = 0;
    for (const row of source.rows as Record<string, unknown>[]) {
      em.persist(em.create(Rental, row));
      pending += 1;
      if (pending === ORM_BATCH) {
        await em.flush();
        em.clear();
        pending = 0;
      }
    }
    await em.flush();
    return since(start);
  } finally {
    await orm.close(true);
  }
}

/** A child process with GNU time's peak RSS, awaited without blocking this process's loop. */
async function timedChild(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; rssMb: number; stdout: string; stderr: string; status: number }> {
  const start = now();
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    // Only the last lines matter (the summary); keep the buffer small.
    stdout = (stdout + chunk).slice(-64 * 1024);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const status = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
  return { seconds: since(start), rssMb: rss, stdout, stderr, status };
}

/** The SQL Server leg's figures (s), (s-read). */
interface SqlServerFigures {
  seconds: number;
  rowsPerSecond: number;
  rssMb: number;
  rssMbSmall: number;
  smallSeconds: number;
  readSeconds: number;
  readRssMb: number;
}

/**
 * (s) sales-bronze's `run` for orders from the TDS test server into PostgreSQL, at the full
 * count and at a quarter of it, each into an empty target; (s-read) the adapter's read alone.
 * The test server runs in this process: the child's peak RSS is the loader's alone.
 */
async function sqlServerLeg(scratch: string): Promise<SqlServerFigures> {
  const bundle = (
    await bundleEntry(
      root,
      'datakits/sales-bronze/src/main.ts',
      join(scratch, 'sales-bronze', 'main.mjs'),
      {
        split: true,
      },
    )
  ).file;
  const passwordFile = join(scratch, 'sqlserver.password');
  const password = `bench-${process.pid}-${Date.now()}`;
  writeFileSync(passwordFile, password, { mode: 0o600 });
  const targetSchema = 'bench_sqlserver';
  const resetTarget = () =>
    sql(
      infra.postgres.connection('warehouse_loader', 'warehouse'),
      `drop schema if exists ${targetSchema} cascade`,
    );
  const serve = (count: number) =>
    startTdsServer({
      logins: { [BENCH_LOGIN.user]: password },
      databases: [BENCH_LOGIN.database],
      handlers: sqlServerStatementHandlers({ tables: [ordersTable(count)] }),
    });
  const run = async (count: number) => {
    const server = await serve(count);
    try {
      await resetTarget();
      await checkpoint();
      const config = join(scratch, 'sqlserver-config.json');
      writeFileSync(
        config,
        JSON.stringify({
          source: {
            kind: 'sqlserver',
            host: '127.0.0.1',
            port: server.port,
            database: BENCH_LOGIN.database,
            auth: 'sql',
            user: BENCH_LOGIN.user,
            password: `file:${passwordFile}`,
            driver: 'tedious',
            encrypt: false,
          },
          target: {
            kind: 'postgres',
            host: '127.0.0.1',
            database: 'warehouse',
            user: 'warehouse_loader',
            password: `file:${join(paths.postgresSecretsDir, 'warehouse_loader.password')}`,
          },
          mode: 'merge',
          tables: ['orders'],
          targetSchema,
        }),
      );
      const result = await timedChild([process.execPath, bundle, 'run', '--config', config], {
        // Not sales-bronze's own name: its bookkeeping rows stay apart from real runs'.
        DATAKIT_NAME: 'sales-bronze-bench',
        DATAKIT_VERSION: '0.0.0-bench',
      });
      const summary = result.stdout.trim().split('\n').at(-1) ?? '';
      if (result.status !== 0) {
        throw new Error(
          `the sales-bronze run exited with ${result.status}: ${summary}\n${result.stderr.slice(-2000)}`,
        );
      }
      const written = (JSON.parse(summary) as { written?: number }).written;
      if (written !== count) {
        throw new Error(`the sales-bronze run wrote ${written} of ${count} rows: ${summary}`);
      }
      return result;
    } finally {
      await server.close();
    }
  };

  log(`(s) SQL Server, ${SQLSERVER_LABEL}`);
  const small = await run(sqlServerRowsSmall);
  log(
    `(s) sales-bronze run, ${sqlServerRowsSmall} orders: ${round(small.seconds)} s, ${Math.round(sqlServerRowsSmall / small.seconds)} rows/s, peak RSS ${round(small.rssMb, 1)} MB`,
  );
  const full = await run(sqlServerRows);
  log(
    `(s) sales-bronze run, ${sqlServerRows} orders: ${round(full.seconds)} s, ${Math.round(sqlServerRows / full.seconds)} rows/s, peak RSS ${round(full.rssMb, 1)} MB`,
  );
  const server = await serve(sqlServerRows);
  let read: Awaited<ReturnType<typeof timedChild>>;
  try {
    read = await timedChild(
      [
        process.execPath,
        join(root, 'tools/bench/src/_sqlserver-drain.ts'),
        String(server.port),
        passwordFile,
      ],
      {},
    );
  } finally {
    await server.close();
  }
  const drained = (JSON.parse(read.stdout.trim() || '{}') as { rows?: number }).rows;
  if (read.status !== 0 || drained !== sqlServerRows) {
    throw new Error(`the SQL Server read-only drain failed: ${read.stderr.slice(-2000)}`);
  }
  log(
    `(s-read) the adapter's read alone, rows dropped: ${round(read.seconds)} s, ${Math.round(sqlServerRows / read.seconds)} rows/s, peak RSS ${round(read.rssMb, 1)} MB`,
  );
  await resetTarget();
  return {
    seconds: full.seconds,
    rowsPerSecond: sqlServerRows / full.seconds,
    rssMb: full.rssMb,
    rssMbSmall: small.rssMb,
    smallSeconds: small.seconds,
    readSeconds: read.seconds,
    readRssMb: read.rssMb,
  };
}

/** The JSON fields of the SQL Server leg. */
function sqlServerResult(figures: SqlServerFigures): Record<string, number | string> {
  return {
    sqlserver_source: SQLSERVER_LABEL,
    sqlserver_rows: sqlServerRows,
    sqlserver_s: round(figures.seconds),
    sqlserver_rows_per_s: Math.round(figures.rowsPerSecond),
    sqlserver_read_only_s: round(figures.readSeconds),
    sqlserver_run_over_read_only: round(figures.seconds / figures.readSeconds),
    [`sqlserver_rss_mb_${sqlServerRowsSmall}`]: round(figures.rssMbSmall, 1),
    [`sqlserver_rss_mb_${sqlServerRows}`]: round(figures.rssMb, 1),
    sqlserver_rss_full_over_quarter: round(figures.rssMb / figures.rssMbSmall),
  };
}

/** The line that says how the SQL Server leg compares with its targets. */
function logSqlServerTargets(figures: SqlServerFigures): void {
  log(
    `(s) ${SQLSERVER_LABEL}: ${Math.round(figures.rowsPerSecond)} rows/s (run / read alone ${round(figures.seconds / figures.readSeconds)}); RSS flat in the row count: ${round(figures.rssMb, 1)} MB at ${sqlServerRows} vs ${round(figures.rssMbSmall, 1)} MB at ${sqlServerRowsSmall} (ratio ${round(figures.rssMb / figures.rssMbSmall)}; flat is about 1)`,
  );
}

/**
 * Debian's pgloader, the baseline users would pick: installed here when missing and this runs as
 * root (apt-get), else the bench stops with what to install.
 */
function ensurePgloader(): void {
  if (spawnSync('pgloader', ['--version'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() === 0) {
    log("installing Debian's pgloader (apt-get install pgloader)");
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'pgloader'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (install.status === 0) return;
  }
  throw new Error(
    "pgloader is not installed and could not be installed here; install Debian's package (apt-get install pgloader) and run the bench again.",
  );
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'datakit-bench-load-'));
  if (process.env.BENCH_ONLY !== 'sqlserver') ensurePgloader();
  if (process.env.BENCH_ONLY === 'sqlserver') {
    try {
      const figures = await sqlServerLeg(scratch);
      logSqlServerTargets(figures);
      process.stdout.write(
        `${JSON.stringify({ bench: 'load', leg: 'sqlserver', ...sqlServerResult(figures) })}\n`,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return;
  }
  try {
    await makeSources(rows, wideRows);
    const bundle = (
      await bundleEntry(
        root,
        'datakits/pagila-bronze/src/main.ts',
        join(scratch, 'pagila-bronze', 'main.mjs'),
        {
          split: true,
        },
      )
    ).file;
    const wideBundle = (
      await bundleEntry(root, 'tools/bench/src/_wide-main.ts', join(scratch, 'wide', 'main.mjs'), {
        split: true,
      })
    ).file;
    // The merge's populated target: the datakit's own load of bench_load.rental (not timed).
    await resetWarehouse(['bench_merge_base']);
    datakitRun(scratch, bundle, { table: 'rental', targetSchema: 'bench_merge_base' });
    await sql(loader(), 'analyze bench_merge_base.rental');

    const times = new Map<string, number[]>();
    const runs = new Map<string, RunFigures[]>();
    const timed = (label: string, seconds: number): void => {
      times.set(label, [...(times.get(label) ?? []), seconds]);
    };
    const runLeg =
      (label: string, prepare: () => Promise<void>, start: () => RunFigures) =>
      async (): Promise<void> => {
        await prepare();
        const run = start();
        runs.set(label, [...(runs.get(label) ?? []), run]);
        timed(label, run.seconds);
      };
    const emptyTarget = (schema: string) => async (): Promise<void> => {
      await resetWarehouse([schema]);
      await checkpoint();
    };
    const allLegs: [string, () => Promise<void>][] = [
      ['a', async () => timed('a', await rawCopy('rental', 'text'))],
      ['a-bin', async () => timed('a-bin', await rawCopy('rental', 'binary'))],
      ['a-bin-audit', async () => timed('a-bin-audit', await rawCopy('rental', 'binary', true))],
      [
        'b',
        runLeg('b', emptyTarget('bench_datakit'), () =>
          datakitRun(scratch, bundle, { table: 'rental', targetSchema: 'bench_datakit' }),
        ),
      ],
      [
        'b-text',
        runLeg('b-text', emptyTarget('bench_datakit'), () =>
          datakitRun(scratch, bundle, {
            table: 'rental',
            targetSchema: 'bench_datakit',
            env: { DATAKIT_COPY_FORMAT: 'text' },
          }),
        ),
      ],
      ['p', async () => timed('p', await pgloaderCopy(scratch, 'rental'))],
      [
        'm',
        runLeg('m', resetMergeTarget, () =>
          datakitRun(scratch, bundle, {
            table: 'rental',
            sourceSchema: 'bench_merge',
            targetSchema: 'bench_dkmerge',
          }),
        ),
      ],
      ['m-raw', async () => timed('m-raw', await rawMerge())],
      ['m-raw-audit', async () => timed('m-raw-audit', await rawMerge(true))],
      ['m-raw-merge', async () => timed('m-raw-merge', await rawMerge(false, 'merge'))],
      ['w-a', async () => timed('w-a', await rawCopy('wide', 'text'))],
      ['w-a-bin', async () => timed('w-a-bin', await rawCopy('wide', 'binary'))],
      [
        'w-b',
        runLeg('w-b', emptyTarget('bench_datakit'), () =>
          datakitRun(scratch, wideBundle, {
            table: 'wide',
            targetSchema: 'bench_datakit',
            name: 'bench-wide',
          }),
        ),
      ],
      [
        'w-b-map',
        runLeg('w-b-map', emptyTarget('bench_datakit'), () =>
          datakitRun(scratch, wideBundle, {
            table: 'wide',
            targetSchema: 'bench_datakit',
            name: 'bench-wide',
            env: { BENCH_WIDE_TRANSFORM: 'map' },
          }),
        ),
      ],
      ['w-p', async () => timed('w-p', await pgloaderCopy(scratch, 'wide'))],
    ];
    // BENCH_LEGS=a-bin,b: only those legs, alternating, their medians printed, no JSON line.
    const only = process.env.BENCH_LEGS?.split(',').map((label) => label.trim());
    const legs = only === undefined ? allLegs : allLegs.filter(([label]) => only.includes(label));
    for (let trial = 0; trial < trials; trial += 1) {
      for (let i = 0; i < legs.length; i += 1) {
        const [label, measure] = legs[(i + trial) % legs.length]!;
        await measure();
        const run = runs.get(label)?.at(-1);
        log(
          `trial ${trial + 1} (${label}): ${round(times.get(label)!.at(-1)!)} s${run === undefined ? '' : ` (${run.format}, overhead ${round(run.overhead)} s, RSS ${round(run.rssMb, 1)} MB; ms: ${run.timings})`}`,
        );
      }
    }
    const m = (label: string): number => median(times.get(label) ?? []);
    const all = (label: string): string =>
      (times.get(label) ?? []).map((s) => round(s, 2)).join(', ');
    for (const [label] of legs) log(`median (${label}) ${round(m(label))} s (${all(label)})`);
    if (only !== undefined) return;
    const datakitRuns = [
      ...(runs.get('b') ?? []),
      ...(runs.get('m') ?? []),
      ...(runs.get('w-b') ?? []),
    ];
    const overhead = median(datakitRuns.map((r) => r.overhead));
    // A datakit leg's loads alone (its run's time less the run's fixed overhead).
    const loads = (label: string): number =>
      median((runs.get(label) ?? []).map((r) => r.seconds - r.overhead));
    const ratios = {
      rows,
      wide_rows: wideRows,
      trials,
      raw_s: round(m('a')),
      raw_binary_s: round(m('a-bin')),
      pgloader_s: round(m('p')),
      datakit_s: round(m('b')),
      datakit_text_s: round(m('b-text')),
      datakit_over_raw_binary: round(m('b') / m('a-bin')),
      raw_binary_audited_s: round(m('a-bin-audit')),
      datakit_over_raw_binary_audited: round(m('b') / m('a-bin-audit')),
      datakit_loads_s: round(loads('b')),
      datakit_loads_over_raw_binary: round(loads('b') / m('a-bin')),
      datakit_loads_over_raw_binary_audited: round(loads('b') / m('a-bin-audit')),
      datakit_over_pgloader: round(m('b') / m('p')),
      datakit_text_over_raw_binary: round(m('b-text') / m('a-bin')),
      datakit_text_over_pgloader: round(m('b-text') / m('p')),
      merge_raw_s: round(m('m-raw')),
      merge_datakit_s: round(m('m')),
      merge_datakit_over_raw_binary: round(m('m') / m('m-raw')),
      merge_datakit_loads_over_raw_binary: round(loads('m') / m('m-raw')),
      merge_raw_audited_s: round(m('m-raw-audit')),
      merge_datakit_over_raw_binary_audited: round(m('m') / m('m-raw-audit')),
      merge_datakit_loads_over_raw_binary_audited: round(loads('m') / m('m-raw-audit')),
      merge_raw_merge_s: round(m('m-raw-merge')),
      merge_datakit_over_raw_merge: round(m('m') / m('m-raw-merge')),
      wide_raw_s: round(m('w-a')),
      wide_raw_binary_s: round(m('w-a-bin')),
      wide_pgloader_s: round(m('w-p')),
      wide_datakit_s: round(m('w-b')),
      wide_format: [...new Set((runs.get('w-b') ?? []).map((r) => r.format))].join(', '),
      wide_datakit_over_raw_binary: round(m('w-b') / m('w-a-bin')),
      wide_datakit_over_pgloader: round(m('w-b') / m('w-p')),
      wide_datakit_map_s: round(m('w-b-map')),
      wide_datakit_map_over_raw_binary: round(m('w-b-map') / m('w-a-bin')),
      run_overhead_s: round(overhead),
      rss_mb_1m: round(Math.max(...datakitRuns.map((r) => r.rssMb)), 1),
    };
    const orm = await ormBatched();
    const ormScaled = (orm * rows) / ormSlice;
    log(
      `(c) MikroORM, persist per row, flush every ${ORM_BATCH}: ${round(orm)} s for ${ormSlice} rows, scaled ${round(ormScaled)} s, ${Math.round(ormSlice / orm)} rows/s`,
    );
    const withOrm = {
      ...ratios,
      orm_batch: ORM_BATCH,
      orm_scaled_s: round(ormScaled),
      orm_over_datakit: round(ormScaled / m('b')),
    };
    const targets = (r: typeof withOrm): string =>
      `targets: datakit_over_raw_binary <= 1.10 (${r.datakit_over_raw_binary}), wide_datakit_over_raw_binary <= 1.10 (${r.wide_datakit_over_raw_binary}), merge_datakit_over_raw_binary <= 1.10 (${r.merge_datakit_over_raw_binary}), datakit_over_pgloader <= 0.5 (${r.datakit_over_pgloader}, wide ${r.wide_datakit_over_pgloader}), run_overhead_s <= 1 (${r.run_overhead_s}), RSS < 250 MB (${r.rss_mb_1m})`;
    if (quick) {
      log(targets(withOrm));
      process.stdout.write(`${JSON.stringify({ bench: 'load', quick: true, ...withOrm })}\n`);
      return;
    }
    await sql(
      admin('pagila'),
      `truncate bench_load.rental;
       insert into bench_load.rental (${RENTAL_COLUMNS})
         select g, r.rental_date + (g / 16044) * interval '1 day', r.inventory_id, r.customer_id,
                r.return_date, r.staff_id, r.last_update + (g % 86400) * interval '1 second'
         from generate_series(1, ${rowsLarge}) g join public.rental r on r.rental_id = 1 + (g % 16044);
       analyze bench_load.rental;`,
    );
    await resetWarehouse(['bench_datakit']);
    await checkpoint();
    const large = datakitRun(scratch, bundle, { table: 'rental', targetSchema: 'bench_datakit' });
    log(
      `(b') datakit run at ${rowsLarge} rows: ${round(large.seconds)} s, peak RSS ${round(large.rssMb, 1)} MB`,
    );
    const sqlServer = await sqlServerLeg(scratch);
    const result = {
      bench: 'load',
      ...withOrm,
      rss_mb_3m: round(large.rssMb, 1),
      ...sqlServerResult(sqlServer),
    };
    log(`${targets(withOrm)}, RSS at ${rowsLarge} rows < 250 MB (${result.rss_mb_3m})`);
    logSqlServerTargets(sqlServer);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await sql(
      admin('pagila'),
      'drop schema if exists bench_load cascade; drop schema if exists bench_merge cascade',
    ).catch(() => undefined);
    await resetWarehouse([
      'bench_raw',
      'bench_rawbin',
      'bench_rawaudit',
      'bench_datakit',
      'bench_pgloader',
      'bench_orm',
      'bench_dkmerge',
      'bench_rawmerge',
      'bench_rawmergeaudit',
      'bench_merge_base',
    ]).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:load: ${formatError(error)}\n`);
  process.exit(1);
});
