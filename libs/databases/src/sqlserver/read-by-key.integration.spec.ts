import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { startTdsServer } from '@datakit/tds-server';
import type { TdsRow, TdsServer } from '@datakit/tds-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SourceSession } from '../adapter.ts';
import { ScratchDb, scratchSchema } from '../postgres/write/__fixtures__/scratch-db.ts';
import { loadTable } from '../postgres/write/load-table.ts';
import type { LoadTableOptions } from '../postgres/write/load-table.ts';
import { openSqlServerSession } from './connect.ts';
import { sqlServerStatementHandlers } from './testing/statement-handlers.ts';
import { mssql } from './types.ts';

// A SQL Server source (the TDS stand-in answering statements.ts from a fixture table) loaded
// into real PostgreSQL (npm run infra:up): a rejected row is read again by its key.
const DST = scratchSchema('ss_key');
const PASSWORD = 'pw';

/** `sales.events`: id, at (datetime2(7), whose 100 ns digit PostgreSQL cannot keep), rv. */
const rows: TdsRow[] = [];
const Event = defineTable({
  name: 'events',
  schema: 'sales',
  columns: {
    id: mssql.int().primaryKey(),
    at: mssql.datetime2(7),
    rv: mssql.rowversion().cursor(),
  },
});
const BronzeEvent = withAudit(
  defineTable({
    name: 'events',
    columns: { id: col.integer().primaryKey(), at: col.timestamp(), rv: col.bigint() },
  }),
);
const toBronze = defineTransform({ from: Event, to: BronzeEvent, map: (row) => ({ ...row }) });

const db = new ScratchDb();
let server: TdsServer;
let dir: string;
let source: SourceSession;
/** The statements the stand-in was sent. */
const sent: string[] = [];

function options(overrides: Partial<LoadTableOptions> = {}): LoadTableOptions {
  return {
    runId: randomUUID(),
    datakit: 'sqlserver-key-test',
    contractHash: 'sha256:test',
    source,
    target: db.target,
    sourceTable: Event,
    targetTable: BronzeEvent,
    transform: toBronze,
    sourceSchema: 'sales',
    targetSchema: DST,
    cursor: 'rv',
    mode: 'merge',
    batchSize: 100,
    rejectThreshold: 0,
    extraColumns: 'discard',
    ...overrides,
  };
}

beforeAll(async () => {
  await db.connect();
  dir = await mkdtemp(join(tmpdir(), 'datakit-sqlserver-key-'));
  await writeFile(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
  const engine = sqlServerStatementHandlers({
    tables: [
      {
        schema: 'sales',
        name: 'events',
        columns: [
          { name: 'id', type: 'int', nullable: false },
          { name: 'at', type: 'datetime2(7)', nullable: false },
          { name: 'rv', type: 'rowversion', nullable: false },
        ],
        primaryKey: ['id'],
        rows,
      },
    ],
  });
  server = await startTdsServer({
    logins: { loader: PASSWORD },
    databases: ['Sales'],
    handlers: [
      (request) => {
        sent.push(request.sql);
        return undefined;
      },
      ...engine,
    ],
  });
  source = await openSqlServerSession('source', {
    kind: 'sqlserver',
    host: '127.0.0.1',
    port: server.port,
    database: 'Sales',
    auth: 'sql',
    user: 'loader',
    password: { kind: 'file', path: join(dir, 'password') },
    driver: 'tedious',
    encrypt: false,
    trustServerCertificate: false,
  });
});

afterAll(async () => {
  await source?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
  await db.close([DST], 'ss_key');
});

describe('a SQL Server source read again by key', () => {
  it('loads a row rejected in an incremental batch once it is fixed without moving its rowversion, with no full reload', async () => {
    rows.push([1, '2024-01-01 00:00:00.0000000', 1001n], [2, '2024-01-02 00:00:00.0000000', 1002n]);
    expect(await loadTable(options())).toMatchObject({ read: 2, written: 2, rejected: 0 });

    // An incremental batch with one row PostgreSQL cannot keep (100 ns), under the floor.
    rows.push([3, '2024-01-03 00:00:00.1234567', 1003n], [4, '2024-01-04 00:00:00.0000000', 1004n]);
    const first = options({ rejectFloor: 1 });
    expect(await loadTable(first)).toMatchObject({
      read: 2,
      written: 1,
      rejected: 1,
      cursor: '1004',
    });
    const [stored] = await db.sql<{ source_key: string[] }>(
      `select source_key from _datakit.rejects where run_id = $1`,
      [first.runId],
    );
    expect(stored).toEqual({ source_key: ['3'] });

    // Still bad: read again by its key alone (nothing after the cursor), rejected again
    // unchanged: neither stored again nor counted against the limits.
    sent.length = 0;
    expect(await loadTable(options())).toMatchObject({ read: 1, written: 0, rejected: 1 });
    const read = sent.find((sql) => sql.includes('FROM [sales].[events]'));
    expect(read).toContain("OR EXISTS (SELECT 1 FROM (VALUES (CONVERT(bigint, N'3'))) AS k (k0)");

    // Fixed at the source without moving its rowversion: the next run loads it, and only it.
    rows[2] = [3, '2024-01-03 00:00:00.1230000', 1003n];
    const fixed = options();
    expect(await loadTable(fixed)).toMatchObject({
      read: 1,
      written: 1,
      rejected: 0,
      cursor: '1004',
    });
    expect(
      await db.sql(`select id, at::text as at, rv::text as rv from ${DST}.events order by id`),
    ).toEqual([
      { id: 1, at: '2024-01-01 00:00:00', rv: '1001' },
      { id: 2, at: '2024-01-02 00:00:00', rv: '1002' },
      { id: 3, at: '2024-01-03 00:00:00.123', rv: '1003' },
      { id: 4, at: '2024-01-04 00:00:00', rv: '1004' },
    ]);
    const [settled] = await db.sql(
      `select resolution, resolved_run_id::text as by from _datakit.rejects where run_id = $1`,
      [first.runId],
    );
    expect(settled).toEqual({ resolution: 'loaded', by: fixed.runId });

    // Settled: the next run asks for no key and reads nothing.
    sent.length = 0;
    expect(await loadTable(options())).toMatchObject({ read: 0, written: 0 });
    expect(sent.find((sql) => sql.includes('FROM [sales].[events]'))).not.toContain('EXISTS');
  });
});
