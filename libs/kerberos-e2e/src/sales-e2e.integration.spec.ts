import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sqlServerStatementHandlers } from '@datakit/databases/testing';
import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import {
  buildDatakitImage,
  pushDatakitImage,
  readDatakitProject,
  registryBaseReader,
} from '@datakit/images';
import { infraPaths, localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { selfSignedCertificate, startTdsServer } from '@datakit/tds-server';
import type { TdsServer } from '@datakit/tds-server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectedRows, salesFixture, salesTables } from './sales-fixture.ts';
import type { SalesTable } from './sales-fixture.ts';
import { scanRegistryImages } from './scan-images.ts';
import { keytabNeedles, NeedleScanner, type Needle } from './secret-needles.ts';

// The sales warehouse as shipped (warehouses/sales/warehouse.yaml), under a name of its own:
// sales-bronze built from this tree and pushed, pinned with `datakit pin`, deployed on Docker
// next to the Kerberos sidecar, and run. Its SQL Server is the TDS test server on
// localhost:1433, which verifies the datakit's Kerberos ticket (got by the sidecar container
// from the local KDC, handed over in the ticket-cache volume) with the MSSQLSvc/localhost:1433
// key; the datakit container reads through msnodesqlv8 and FreeTDS ODBC with no password. The
// CLI is run asynchronously: the TDS server answers from this process.
const root = repoRoot();
const infra = localInfra();
const paths = infraPaths();
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const warehouseName = `sales-e2e-${randomBytes(3).toString('hex')}`;
const project = readDatakitProject(join(root, 'datakits', 'sales-bronze'), root);
const version = `${project.version}-e2e.${randomBytes(3).toString('hex')}`;
const tables = salesTables();
let served: SalesTable[] = Object.values(tables);
let scratch: string;
let dir: string;
let server: TdsServer;
/** What the TDS server logged: its logins. */
const serverLog: string[] = [];
/** Everything the CLI printed, for the secret scan. */
const transcript: string[] = [];

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function datakit(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 600_000 },
      (error, stdout, stderr) => {
        transcript.push(stdout, stderr);
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

function events(result: Result): Record<string, unknown>[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function warehouse<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(infra.postgres.connection('warehouse_loader', 'warehouse'));
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A bronze table's contract columns as PostgreSQL prints them, in key order. */
async function loaded(table: SalesTable): Promise<(string | null)[][]> {
  const keys = table.declaration.primaryKey ?? [];
  const keyColumns = keys.map((key) => {
    const index = table.declaration.columns.findIndex((column) => column.name === key);
    return table.targetColumns[index];
  });
  return warehouse(async (client) => {
    // Every value as PostgreSQL's own output function prints it (no cast: char(n) keeps its
    // padding), not as pg would parse it.
    const result = await client.query<string[]>({
      text: `SELECT ${table.targetColumns.join(', ')} FROM ${table.target} ORDER BY ${keyColumns.join(', ')}`,
      rowMode: 'array',
      types: { getTypeParser: () => (value: string) => value },
    });
    return result.rows;
  });
}

async function everyTableAsServed(): Promise<void> {
  for (const table of Object.values(tables)) {
    expect([table.target, await loaded(table)]).toEqual([table.target, expectedRows(table)]);
  }
}

function secretNeedles(): Needle[] {
  const needles: Needle[] = [];
  for (const file of ['datakit-loader.keytab', 'mssqlsvc.keytab']) {
    needles.push(...keytabNeedles(file, readFileSync(join(paths.kerberosDir, file))));
  }
  for (const file of ['warehouse_loader.password', 'pagila_reader.password']) {
    needles.push({ name: file, bytes: readFileSync(join(paths.postgresSecretsDir, file)) });
  }
  return needles;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-sales-'));
  // A warehouse's name is its folder's.
  dir = join(scratch, warehouseName);
  mkdirSync(dir);
  const shipped = readFileSync(join(root, 'warehouses', 'sales', 'warehouse.yaml'), 'utf8');
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    shipped
      .replace(/^name: sales$/m, `name: ${warehouseName}`)
      .replace(/^# yaml-language-server.*$/m, '')
      .replaceAll('../../.infra', join(root, '.infra')),
  );
  const certificate = selfSignedCertificate(scratch);
  // A previous run of this test left its tables, cursors and rejected rows in the shared
  // warehouse database (a row rejected before, read again unchanged, no longer counts).
  await warehouse(async (client) => {
    await client.query('DROP SCHEMA IF EXISTS sales_bronze CASCADE');
    await client.query(`DO $$ BEGIN
      IF to_regclass('_datakit.cursors') IS NOT NULL THEN
        DELETE FROM _datakit.cursors WHERE target_table LIKE 'sales_bronze.%';
      END IF;
      IF to_regclass('_datakit.rejects') IS NOT NULL THEN
        DELETE FROM _datakit.rejects WHERE target_table LIKE 'sales_bronze.%';
      END IF; END $$`);
  });
  server = await startTdsServer({
    port: 1433,
    databases: ['Sales'],
    kerberos: {
      keytab: join(paths.kerberosDir, 'mssqlsvc.keytab'),
      krb5Config: join(paths.kerberosDir, 'krb5.conf'),
    },
    tls: certificate,
    handlers: sqlServerStatementHandlers(salesFixture(() => served)),
    log: (line) => serverLog.push(line),
  });
  const sidecar = await datakit('images', 'push', 'kerberos-sidecar');
  expect(sidecar.status, sidecar.stderr).toBe(0);
  const client = createRegistryClient({ url: infra.registry.url });
  const image = await buildDatakitImage({ ...project, version }, root, registryBaseReader(client));
  await pushDatakitImage(image, client, infra.registry.host, { allowDirty: true });
}, 600_000);

afterAll(async () => {
  await server?.close();
  for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouseName }))
    await engine.removeContainer(c.id);
  await engine.removeVolume(`datakit-${warehouseName}-local-krb5`);
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('the sales warehouse: SQL Server with Kerberos into PostgreSQL, on Docker', () => {
  it('pins and deploys sales-bronze next to the sidecar', async () => {
    const pin = await datakit('pin', dir, `sales-bronze@${version}`);
    expect(pin.status, pin.stderr).toBe(0);
    const deploy = await datakit('deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);
  });

  it('loads every table with its exact values, logged in with the sidecar ticket only', async () => {
    const run = await datakit('run', dir, 'sales-bronze');
    expect(run.status, run.stderr).toBe(0);
    expect(events(run).at(-1)).toMatchObject({
      type: 'summary',
      status: 'succeeded',
      tables: 4,
      read: 11,
      written: 11,
      rejected: 0,
    });
    await everyTableAsServed();
    // The server has no SQL logins at all: every session was a Kerberos one, with TLS.
    const logins = serverLog.filter((line) => line.includes(': logged in '));
    expect(logins.length).toBeGreaterThan(0);
    for (const line of logins) {
      expect(line).toMatch(/logged in datakit-loader@DATAKIT\.TEST \(kerberos\) to Sales/);
    }
    const prelogins = serverLog.filter((line) => line.includes(': PRELOGIN '));
    expect(prelogins.length).toBeGreaterThanOrEqual(logins.length);
    for (const line of prelogins) expect(line).toMatch(/\(all\)$/);
  });

  it('reads only rows whose rowversion moved on the next run', async () => {
    // One customer updated, one order added: the database gives each a new rowversion.
    const zoe = tables.customers.rows[0]!;
    zoe[3] = ['zoe@new.example.test', 'zoe@new.example.test'];
    zoe[7] = [5001n, '5001'];
    tables.orders.rows.push([
      [9007199254740994n, '9007199254740994'],
      [2147483647, '2147483647'],
      ['2025-06-30 12:00:00.0000010 +00:00', '2025-06-30 12:00:00.000001+00'],
      ['new', 'new'],
      ['1', '1.0000'],
      ['', ''],
      [5002n, '5002'],
    ]);
    const run = await datakit('run', dir, 'sales-bronze');
    expect(run.status, run.stderr).toBe(0);
    const read = Object.fromEntries(
      events(run)
        .filter((event) => event['type'] === 'table')
        .map((event) => [event['table'], event['read']]),
    );
    expect(read).toEqual({
      'sales_bronze.customers': 1,
      'sales_bronze.products': 0,
      'sales_bronze.orders': 1,
      'sales_bronze.order_lines': 0,
    });
    await everyTableAsServed();
  });

  it('stops with exit 3 before any write when a source column was dropped or changed type', async () => {
    const before = await Promise.all(Object.values(tables).map((table) => loaded(table)));
    // A product changed since, which must not arrive either: nothing moves on drift.
    const changedProduct = (): SalesTable => ({
      ...tables.products,
      rows: tables.products.rows.map((row, i) =>
        i === 0 ? row.map((cell, j) => (j === 6 ? ([6001n, '6001'] as const) : cell)) : row,
      ),
    });
    const dropped: SalesTable = {
      ...tables.customers,
      declaration: {
        ...tables.customers.declaration,
        columns: tables.customers.declaration.columns.filter((col) => col.name !== 'Email'),
      },
      rows: tables.customers.rows.map((row) => row.filter((_, j) => j !== 3)),
    };
    const retyped: SalesTable = {
      ...tables.orders,
      declaration: {
        ...tables.orders.declaration,
        columns: tables.orders.declaration.columns.map((col) =>
          col.name === 'Total' ? { ...col, type: 'float' } : col,
        ),
      },
      rows: tables.orders.rows.map((row) =>
        row.map((cell, j) => (j === 4 ? ([Number(cell[0]), cell[1]] as const) : cell)),
      ),
    };
    for (const [what, drifted, needle] of [
      ['dropped column', dropped, 'Email'],
      ['changed type', retyped, 'Total'],
    ] as const) {
      served = [
        ...(drifted === dropped ? [dropped] : [tables.customers]),
        changedProduct(),
        ...(drifted === retyped ? [retyped] : [tables.orders]),
        tables.orderLines,
      ];
      const run = await datakit('run', dir, 'sales-bronze');
      expect([what, run.status], run.stderr).toEqual([what, 3]);
      expect(run.stderr).toContain(needle);
      expect(events(run)).toContainEqual(
        expect.objectContaining({ type: 'error', failure_type: 'drift_error', exitCode: 3 }),
      );
      expect(events(run).at(-1)).toMatchObject({ type: 'summary', status: 'failed', written: 0 });
      // The warehouse's bookkeeping shows the stopped run, each table with the diff.
      const runId = events(run).at(-1)?.['runId'];
      const recorded = await warehouse(
        async (client) =>
          (
            await client.query<{ target_table: string; status: string; error: string }>(
              'SELECT target_table, status, error FROM _datakit.runs WHERE run_id = $1 ORDER BY target_table',
              [runId],
            )
          ).rows,
      );
      expect(recorded.map((r) => [r.target_table, r.status])).toEqual(
        ['customers', 'order_lines', 'orders', 'products'].map((t) => [
          `sales_bronze.${t}`,
          'drift',
        ]),
      );
      for (const r of recorded) expect(r.error).toContain(needle);
      expect(await Promise.all(Object.values(tables).map((table) => loaded(table)))).toEqual(
        before,
      );
    }
    served = Object.values(tables);
  });

  it('`datakit runs` shows the runs of each table from the warehouse, newest first', async () => {
    const runs = await datakit('runs', dir, '--last', '3', '--json');
    expect(runs.status, runs.stderr).toBe(0);
    const result = JSON.parse(runs.stdout) as {
      connections: {
        status: string;
        runs: { targetTable: string; status: string; read: number }[];
      }[];
    };
    expect(result.connections.map((c) => c.status)).toEqual(['ok']);
    const customers = result.connections[0]!.runs.filter(
      (r) => r.targetTable === 'sales_bronze.customers',
    );
    // The two drift stops, then the incremental run that read one changed customer.
    expect(customers.map((r) => [r.status, r.read])).toEqual([
      ['drift', 0],
      ['drift', 0],
      ['succeeded', 1],
    ]);
    const text = await datakit('runs', dir, '--datakit', 'sales-bronze', '--last', '1');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /sales_bronze\.orders {2}\(sales-bronze, from sales\.Orders\)\n.* drift /,
    );
  });

  it('exits 4 on a rejected row, lists it with `datakit rejects`, and `rejects ack` clears it', async () => {
    const before = await loaded(tables.customers);
    // datetime2 keeps 100 ns; PostgreSQL keeps microseconds: rejected, never rounded.
    const bad: SalesTable = {
      ...tables.customers,
      rows: [
        ...tables.customers.rows,
        [
          [7, '7'],
          ['B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
          ['Too Precise', 'Too Precise'],
          [null, null],
          [null, null],
          ['FR', 'FR'],
          ['2025-01-01 00:00:00.1234567', null],
          [7001n, '7001'],
        ],
      ],
    };
    served = [bad, tables.products, tables.orders, tables.orderLines];
    try {
      const run = await datakit('run', dir, 'sales-bronze');
      expect(run.status, run.stderr).toBe(4);
      expect(events(run)).toContainEqual(
        expect.objectContaining({ type: 'error', failure_type: 'rejects_error', exitCode: 4 }),
      );
      expect(await loaded(tables.customers)).toEqual(before);

      const listed = await datakit('rejects', dir, '--table', 'sales_bronze.customers', '--json');
      expect(listed.status, listed.stderr).toBe(0);
      const rejects = (
        JSON.parse(listed.stdout) as {
          connections: {
            rejects: {
              stage: string;
              reason: string;
              row: Record<string, unknown>;
              key: string[] | null;
            }[];
          }[];
        }
      ).connections[0]!.rejects;
      expect(rejects).toHaveLength(1);
      // The row as read, each value its exact text, and its key for the next runs.
      expect(rejects[0]).toMatchObject({
        stage: 'source',
        row: { customer_id: '7' },
        key: ['7'],
      });
      expect(rejects[0]!.reason).toMatch(/created_at/);

      const ack = await datakit(
        'rejects',
        'ack',
        dir,
        'sales-bronze',
        '--table',
        'sales_bronze.customers',
      );
      expect([ack.status, ack.stdout.trim()], ack.stderr).toEqual([
        0,
        'sales_bronze.customers: 1 rejected row(s) acknowledged',
      ]);
      const after = await datakit('rejects', dir, '--json');
      expect(
        (JSON.parse(after.stdout) as { connections: { rejects: unknown[] }[] }).connections[0]!
          .rejects,
      ).toEqual([]);
    } finally {
      served = Object.values(tables);
    }
  });

  it('leaves no keytab byte or password in the image, its labels or any log', async () => {
    const needles = secretNeedles();
    const scan = await scanRegistryImages(
      createRegistryClient({ url: infra.registry.url }),
      needles,
      new Set(),
      [{ repository: 'sales-bronze', tag: version }],
    );
    expect(scan.images.map((image) => image.image)).toEqual([`registry sales-bronze:${version}`]);
    expect(scan.images.filter((image) => image.found.length > 0)).toEqual([]);
    const logs = [...transcript];
    for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouseName })) {
      logs.push(await engine.containerLogs(c.id, 100_000));
    }
    const scanner = new NeedleScanner(needles);
    scanner.push(Buffer.from(logs.join('\n')));
    expect(scanner.found()).toEqual([]);
  });
});
