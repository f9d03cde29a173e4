import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EnvironmentError } from '@datakit/errors';
import { startTdsServer } from '@datakit/tds-server';
import type { TdsRow, TdsServer } from '@datakit/tds-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SourceRows } from '../adapter.ts';
import type { SqlServerConnection } from './config.ts';
import { openSqlServerSession } from './connect.ts';
import {
  awkwardTable,
  changesContract,
  changesTable,
  everyTypeContract,
  everyTypeExpected,
  everyTypeTable,
  fixtureDatabase,
  manyContract,
  manyRowsTable,
} from './testing/fixtures.ts';
import { sqlServerStatementHandlers } from './testing/statement-handlers.ts';

const PASSWORD = 'S3cret;{pw}=';
const MANY = 150_000;

let server: TdsServer;
let dir: string;
let connection: SqlServerConnection;
const changes: TdsRow[] = [
  [1, 'first', 1001n],
  [2, 'second', 1002n],
];
const produced = { rows: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datakit-sqlserver-'));
  await writeFile(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
  server = await startTdsServer({
    logins: { loader: PASSWORD },
    databases: ['Sales'],
    handlers: sqlServerStatementHandlers(
      fixtureDatabase([
        everyTypeTable,
        awkwardTable,
        changesTable(changes),
        manyRowsTable(MANY, produced),
      ]),
    ),
  });
  connection = {
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
  };
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(rows: SourceRows): Promise<(string | null)[][]> {
  if (rows.kind !== 'fields') throw new Error('expected fields');
  const all: (string | null)[][] = [];
  for await (const batch of rows.batches) for (const row of batch) all.push([...row]);
  return all;
}

function checksum(rows: readonly (readonly (string | null)[])[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(JSON.stringify(row)).update('\n');
  return hash.digest('hex');
}

describe('a SQL login over tedious', () => {
  it('reads every type as exact canonical text', async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const rows = await collect(
        await session.read({
          schema: 'sales',
          table: everyTypeContract,
          cursor: null,
          batchSize: 2,
          format: 'text',
        }),
      );
      expect(rows).toEqual(everyTypeExpected);
      expect(checksum(rows)).toBe(checksum(everyTypeExpected));
    } finally {
      await session.close();
    }
  });

  it('labels the session with database, server and login, never the password', async () => {
    const session = await openSqlServerSession('source', connection);
    await session.close();
    expect(session.label).toBe(`source database Sales at 127.0.0.1:${server.port} as loader`);
    expect(session.label).not.toContain(PASSWORD);
  });

  it('reads the catalog for drift: awkward names, alias type, composite key in key order', async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const live = await session.readCatalog('Sales Data', ['Order Lines', 'missing']);
      expect(live).toEqual({
        schema: 'Sales Data',
        tables: {
          'Order Lines': {
            schema: 'Sales Data',
            name: 'Order Lines',
            primaryKey: ['Order]Id', 'line no'],
            columns: [
              { name: 'line no', type: 'smallint', nullable: false, hasDefault: false },
              { name: 'Order]Id', type: 'bigint', nullable: false, hasDefault: false },
              { name: 'select', type: 'nvarchar(100)', nullable: true, hasDefault: false },
              { name: 'order', type: 'decimal(9,3)', nullable: false, hasDefault: true },
              {
                name: 'phone',
                type: 'Phone',
                domain: 'Phone',
                domainBaseType: 'nvarchar(20)',
                nullable: true,
                hasDefault: false,
              },
              {
                name: 'owner',
                type: 'sysname',
                domain: 'sysname',
                domainBaseType: 'nvarchar(128)',
                nullable: false,
                hasDefault: false,
              },
              { name: 'changed', type: 'rowversion', nullable: false, hasDefault: true },
              { name: 'at', type: 'datetime2(7)', nullable: false, hasDefault: false },
            ],
          },
        },
      });
    } finally {
      await session.close();
    }
  });

  it('reads the catalog of every type as the contract spells it', async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const live = await session.readCatalog('sales', ['every_type']);
      const types = live.tables['every_type']?.columns.map((c) => c.type);
      const expected = Object.values(everyTypeContract.columns).map((c) =>
        session.dialect.normalizeType(c.sqlType),
      );
      expect(types).toEqual(expected);
    } finally {
      await session.close();
    }
  });

  it('reads incrementally after the saved rowversion, below MIN_ACTIVE_ROWVERSION', async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const read = (after: string | null) =>
        session
          .read({
            schema: 'sales',
            table: changesContract,
            cursor: { column: 'rv', after },
            batchSize: 100,
            format: 'text',
          })
          .then(collect);
      expect(await read(null)).toEqual([
        ['1', 'first', '1001'],
        ['2', 'second', '1002'],
      ]);
      changes.push([3, 'third', 1003n]);
      changes[0] = [1, 'first, changed', 1004n];
      expect(await read('1002')).toEqual([
        ['1', 'first, changed', '1004'],
        ['3', 'third', '1003'],
      ]);
      expect(await read('1004')).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it(`streams ${MANY} rows with backpressure and flat memory`, async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const rows = await session.read({
        schema: 'sales',
        table: manyContract,
        cursor: null,
        batchSize: 1000,
        format: 'text',
      });
      if (rows.kind !== 'fields') throw new Error('expected fields');
      let count = 0;
      let maxLead = 0;
      let maxHeap = 0;
      const baseline = process.memoryUsage().heapUsed;
      for await (const batch of rows.batches) {
        count += batch.length;
        // A slow consumer: the server may not run far ahead of what was taken.
        maxLead = Math.max(maxLead, produced.rows - count);
        if (count % 10_000 === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed - baseline);
        }
        if (count === 2000)
          expect(batch[0]).toEqual([
            '1001',
            '1001.25',
            '2024-01-02 03:04:05.12',
            `row 1001 ${'p'.repeat(60)}`,
          ]);
      }
      expect(count).toBe(MANY);
      // Socket buffers and a few batches, not the table: well below the row count.
      expect(maxLead).toBeLessThan(MANY / 3);
      expect(maxHeap).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await session.close();
    }
  });

  it('stops the statement when the reader stops early', async () => {
    const session = await openSqlServerSession('source', connection);
    try {
      const rows = await session.read({
        schema: 'sales',
        table: manyContract,
        cursor: null,
        batchSize: 100,
        format: 'text',
      });
      if (rows.kind !== 'fields') throw new Error('expected fields');
      for await (const batch of rows.batches) {
        expect(batch).toHaveLength(100);
        break;
      }
    } finally {
      await session.close();
    }
  });
});

describe('failures of a SQL login', () => {
  it('refuses a wrong password as an environment error naming the login', async () => {
    await writeFile(join(dir, 'wrong'), 'nope\n');
    const error = await openSqlServerSession('source', {
      ...connection,
      password: { kind: 'file', path: join(dir, 'wrong') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(
      `SQL Server refused the login to the source database Sales at 127.0.0.1:${server.port} as loader (error 18456: Login failed for user 'loader').`,
    );
  });

  it('says which database is missing', async () => {
    const error = await openSqlServerSession('source', { ...connection, database: 'Nope' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(
      /^SQL Server has no database "Nope" the login may open/,
    );
  });

  it('says the server cannot be reached when nothing listens', async () => {
    const down = await startTdsServer({});
    const port = down.port;
    await down.close();
    const error = await openSqlServerSession('source', { ...connection, port }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^The SQL Server for the source database Sales at 127\\.0\\.0\\.1:${port} as loader cannot be reached`,
      ),
    );
  });

  it('says the password secret cannot be read', async () => {
    const error = await openSqlServerSession('source', {
      ...connection,
      password: { kind: 'file', path: join(dir, 'absent') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/^The source password cannot be read from file:/);
  });
});
