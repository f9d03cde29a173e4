import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { defineTable } from '@datakit/contracts';
import { EnvironmentError } from '@datakit/errors';
import type { SecretRef } from '@datakit/secrets';
import type { TdsValue } from '@datakit/tds-server';
import type { ConnectionPool } from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SourceRows, SourceSession } from '../adapter.ts';
import { readPassword } from '../read-password.ts';
import { mssqlConfig, normalizeSqlServerConnection } from './config.ts';
import type { SqlServerConnection } from './config.ts';
import { openSqlServerSession } from './connect.ts';
import { quoteIdentifier, quoteString } from './statements.ts';
import {
  changesContract,
  everyTypeContract,
  everyTypeExpected,
  everyTypeTable,
} from './testing/fixtures.ts';
import { realServerLane } from './testing/real-server-lane.ts';
import type { LaneLogin } from './testing/real-server-lane.ts';
import { mssql } from './types.ts';

// The opt-in lane against a real SQL Server (DATAKIT_SQLSERVER_* variables; README.md, "Opt-in
// lane against a real SQL Server"). It creates a scratch schema with an awkward name, the tables
// the TDS stand-in serves (every type, awkward names and an alias type, a rowversion table, a
// datetime2 table), and drops it afterwards. Setting up and changing rows is plain T-SQL through
// mssql; everything the tests check goes through the adapter, so the statements it runs are
// exactly those of statements.ts: the catalog, reads after a cursor, rowversion incremental, rows read again by key.
const lane = realServerLane(process.env);
const run = promisify(execFile);

if (!lane.enabled) {
  describe('a real SQL Server (opt-in lane)', () => {
    it.skip(`skipped: ${lane.reason}`, () => undefined);
  });
} else {
  const scratch = `Datakit Lane]${randomBytes(4).toString('hex')}`;
  const s = quoteIdentifier(scratch);
  let admin: ConnectionPool;
  let dir: string;
  const savedCache = process.env['KRB5CCNAME'];

  /** Sets KRB5CCNAME to a fresh cache holding a ticket of the login's principal (Kerberos). */
  const kinitFor = async (login: LaneLogin, name: string): Promise<void> => {
    if (login.kinit === undefined) return;
    const cache = `FILE:${join(dir, name)}`;
    await run('kinit', ['-k', '-t', login.kinit.keytab, login.kinit.principal], {
      env: { ...process.env, KRB5CCNAME: cache },
    });
    process.env['KRB5CCNAME'] = cache;
  };

  const exec = async (statement: string): Promise<void> => {
    await admin.request().batch(statement);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datakit-sqlserver-lane-'));
    const first = lane.logins[0];
    if (first === undefined) throw new Error('the lane has no login');
    await kinitFor(first, 'setup-ccache');
    admin = await openAdminPool(first.connection);
    await exec(`CREATE SCHEMA ${s}`);
    await exec(`CREATE TYPE ${s}.[Phone] FROM nvarchar(20) NULL`);
    await exec(everyTypeDdl(s));
    await exec(
      `INSERT INTO ${s}.[every_type] (${everyTypeInsertColumns()}) VALUES ${everyTypeValues()}`,
    );
    await exec(`CREATE TABLE ${s}.[Order Lines] (
      [line no] smallint NOT NULL,
      ${quoteIdentifier('Order]Id')} bigint NOT NULL,
      [select] nvarchar(100) NULL,
      [order] numeric(9,3) NOT NULL DEFAULT 0,
      [phone] ${s}.[Phone] NULL,
      [owner] sysname NOT NULL,
      [changed] rowversion NOT NULL,
      [at] datetime2 NOT NULL,
      PRIMARY KEY (${quoteIdentifier('Order]Id')}, [line no]))`);
    await exec(`CREATE TABLE ${s}.[changes] (
      [id] int NOT NULL PRIMARY KEY, [note] nvarchar(20) NULL, [rv] rowversion NOT NULL)`);
    await exec(
      `CREATE TABLE ${s}.[events] ([id] int NOT NULL PRIMARY KEY, [at] datetime2(7) NOT NULL)`,
    );
    await exec(`INSERT INTO ${s}.[events] ([id], [at]) VALUES
      (1, CONVERT(datetime2(7), '2024-01-01 00:00:00.0000001', 121)),
      (2, CONVERT(datetime2(7), '2024-01-01 00:00:00.0000002', 121)),
      (3, CONVERT(datetime2(7), '2024-01-01 00:00:00.0000003', 121))`);
  }, 120_000);

  afterAll(async () => {
    try {
      if (admin !== undefined) {
        for (const table of ['every_type', 'Order Lines', 'changes', 'events']) {
          await exec(`DROP TABLE IF EXISTS ${s}.${quoteIdentifier(table)}`);
        }
        await exec(`DROP TYPE IF EXISTS ${s}.[Phone]`);
        await exec(`DROP SCHEMA IF EXISTS ${s}`);
        await admin.close();
      }
    } finally {
      if (savedCache === undefined) delete process.env['KRB5CCNAME'];
      else process.env['KRB5CCNAME'] = savedCache;
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  describe.each(lane.logins.map((login, index) => ({ login, index })))(
    `a real SQL Server at ${lane.host}:${lane.port}, database ${lane.database}: $login.name`,
    ({ login, index }) => {
      let session: SourceSession;

      beforeAll(async () => {
        await kinitFor(login, `ccache-${index}`);
        session = await openSqlServerSession('source', login.connection);
      }, 120_000);

      afterAll(async () => {
        await session?.close();
      });

      it('reads every type as the exact canonical text the TDS stand-in gives', async () => {
        const rows = byId(await collect(await read(session, scratch, everyTypeContract, null)));
        const version = Object.keys(everyTypeContract.columns).indexOf('version');
        // rowversion values are the server's own; everything else is the fixture's.
        for (const row of rows) expect(row[version]).toMatch(/^\d+$/);
        const withoutVersion = (row: readonly (string | null)[]) =>
          row.filter((_, i) => i !== version).map(serialisedXml);
        expect(rows.map(withoutVersion)).toEqual(everyTypeExpected.map(withoutVersion));
      });

      it('reads the catalog for drift: awkward names, alias type, composite key in key order', async () => {
        const live = await session.readCatalog(scratch, ['Order Lines', 'every_type', 'missing']);
        expect(Object.keys(live.tables).sort()).toEqual(['Order Lines', 'every_type']);
        expect(live.tables['Order Lines']).toEqual({
          schema: scratch,
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
        });
        expect(live.tables['every_type']?.columns.map((c) => c.type)).toEqual(
          Object.values(everyTypeContract.columns).map((c) =>
            session.dialect.normalizeType(c.sqlType),
          ),
        );
        expect(live.tables['every_type']?.primaryKey).toEqual(['id']);
      });

      it('reads incrementally after the saved rowversion', async () => {
        await exec(`DELETE FROM ${s}.[changes]`);
        await exec(
          `INSERT INTO ${s}.[changes] ([id], [note]) VALUES (1, N'first'), (2, N'second')`,
        );
        const readAfter = async (after: string | null) =>
          byId(
            await collect(await read(session, scratch, changesContract, { column: 'rv', after })),
          );

        const all = await readAfter(null);
        expect(all.map(([id, note]) => [id, note])).toEqual([
          ['1', 'first'],
          ['2', 'second'],
        ]);
        const saved = maxOf(all.map((row) => row[2] ?? null));

        await exec(`UPDATE ${s}.[changes] SET [note] = N'first, changed' WHERE [id] = 1`);
        await exec(`INSERT INTO ${s}.[changes] ([id], [note]) VALUES (3, N'third')`);
        const changed = await readAfter(saved);
        expect(changed.map(([id, note]) => [id, note])).toEqual([
          ['1', 'first, changed'],
          ['3', 'third'],
        ]);
        for (const row of changed) expect(BigInt(row[2] ?? '0')).toBeGreaterThan(BigInt(saved));

        expect(await readAfter(maxOf(changed.map((row) => row[2] ?? null)))).toEqual([]);
      });

      it('reads rows again by key whatever the cursor (rowversion, datetime2)', async () => {
        const all = byId(
          await collect(
            await read(session, scratch, changesContract, { column: 'rv', after: null }),
          ),
        );
        const saved = maxOf(all.map((row) => row[2] ?? null));
        const again = await collect(
          await session.read({
            schema: scratch,
            table: changesContract,
            cursor: { column: 'rv', after: saved },
            keys: { columns: ['id'], values: [['2'], ['404']] },
            batchSize: 2,
            format: 'text',
          }),
        );
        expect(again.map(([id]) => id)).toEqual(['2']);
        const events = await collect(
          await session.read({
            schema: scratch,
            table: eventsContract,
            cursor: { column: 'at', after: '2024-01-01 00:00:00.0000003' },
            keys: { columns: ['id'], values: [['1']] },
            batchSize: 2,
            format: 'text',
          }),
        );
        expect(events).toEqual([['1', '2024-01-01 00:00:00.0000001']]);
      });

      it('reads after a datetime2 cursor to the 100 ns', async () => {
        const rows = byId(
          await collect(
            await read(session, scratch, eventsContract, {
              column: 'at',
              after: '2024-01-01 00:00:00.0000001',
            }),
          ),
        );
        expect(rows).toEqual([
          ['2', '2024-01-01 00:00:00.0000002'],
          ['3', '2024-01-01 00:00:00.0000003'],
        ]);
      });

      it('says which database is missing', async () => {
        const missing = `datakit_lane_missing_${randomBytes(4).toString('hex')}`;
        const error = await failure({ ...login.connection, database: missing });
        expect(error).toBeInstanceOf(EnvironmentError);
        expect(error.message).toMatch(
          new RegExp(`^SQL Server has no database "${missing}" the login may open`),
        );
      });

      it.runIf(login.connection.auth === 'sql')(
        'refuses a wrong password with error 18456, never printing it',
        async () => {
          const wrong = `wrong-${randomBytes(6).toString('hex')}`;
          process.env['DATAKIT_SQLSERVER_LANE_WRONG_PASSWORD'] = wrong;
          try {
            const error = await failure({
              ...login.connection,
              password: { kind: 'env', name: 'DATAKIT_SQLSERVER_LANE_WRONG_PASSWORD' },
            } as SqlServerConnection);
            expect(error).toBeInstanceOf(EnvironmentError);
            expect(error.message).toMatch(/^SQL Server refused the login .*\(error 18456: /);
            expect(error.message).not.toContain(wrong);
          } finally {
            delete process.env['DATAKIT_SQLSERVER_LANE_WRONG_PASSWORD'];
          }
        },
      );
    },
  );
}

/** `sales.events` of the lane: a datetime2(7) cursor. */
const eventsContract = defineTable({
  name: 'events',
  schema: 'sales',
  columns: {
    id: mssql.int().primaryKey(),
    at: mssql.datetime2(7).cursor(),
  },
});

/** A pool for the lane's own T-SQL (DDL, changing rows), on the same settings as the adapter. */
async function openAdminPool(connection: SqlServerConnection): Promise<ConnectionPool> {
  const settings = normalizeSqlServerConnection(connection);
  const password =
    connection.auth === 'sql'
      ? await readPassword('source', connection.password as SecretRef)
      : undefined;
  const driver = mssqlConfig(settings, password);
  const pool =
    driver.driver === 'tedious'
      ? new (await import('mssql')).default.ConnectionPool(driver.config)
      : new (await import('mssql/msnodesqlv8.js')).default.ConnectionPool(driver.config);
  await pool.connect();
  return pool;
}

function read(
  session: SourceSession,
  schema: string,
  table: typeof everyTypeContract | typeof changesContract | typeof eventsContract,
  cursor: { column: string; after: string | null } | null,
): Promise<SourceRows> {
  return session.read({ schema, table, cursor, batchSize: 2, format: 'text' });
}

async function collect(rows: SourceRows): Promise<(string | null)[][]> {
  if (rows.kind !== 'fields') throw new Error('expected fields');
  const all: (string | null)[][] = [];
  for await (const batch of rows.batches) for (const row of batch) all.push([...row]);
  return all;
}

/** Rows in id order (the first column): a read has no ORDER BY. */
function byId(rows: (string | null)[][]): (string | null)[][] {
  return rows.sort((a, b) => Number(a[0]) - Number(b[0]));
}

function maxOf(values: readonly (string | null)[]): string {
  return values
    .reduce<bigint>((max, v) => (BigInt(v ?? '0') > max ? BigInt(v ?? '0') : max), 0n)
    .toString();
}

/** SQL Server stores xml parsed and writes an empty element as `<a />`; the stand-in as given. */
function serialisedXml(value: string | null): string | null {
  return value === null ? null : value.replace(/\s+\/>/g, '/>');
}

function failure(connection: SqlServerConnection): Promise<Error> {
  return openSqlServerSession('source', connection).then(
    async (session) => {
      await session.close();
      throw new Error('the session opened');
    },
    (error: unknown) => error as Error,
  );
}

// ---------------------------------------------------------------------------------------------
// sales.every_type of the fixture as T-SQL

const declared = everyTypeTable.columns;

function everyTypeDdl(schema: string): string {
  const columns = declared.map(
    (column) =>
      `${quoteIdentifier(column.name)} ${column.type} ${column.nullable === false ? 'NOT NULL' : 'NULL'}`,
  );
  return `CREATE TABLE ${schema}.[every_type] (${columns.join(', ')}, PRIMARY KEY ([id]))`;
}

/** Every column but the rowversion, which the server writes. */
function everyTypeInsertColumns(): string {
  return declared
    .filter((column) => column.type !== 'rowversion')
    .map((column) => quoteIdentifier(column.name))
    .join(', ');
}

function everyTypeValues(): string {
  const rows =
    typeof everyTypeTable.rows === 'function' ? [...everyTypeTable.rows()] : everyTypeTable.rows;
  return rows
    .map((row) => {
      const values = declared
        .map((column, i) => ({ column, value: row[i] ?? null }))
        .filter(({ column }) => column.type !== 'rowversion')
        .map(({ column, value }) => literal(column.type, value));
      return `(${values.join(', ')})`;
    })
    .join(',\n');
}

/** The T-SQL literal of a fixture value for a column of the declared type. */
function literal(type: string, value: TdsValue): string {
  if (value === null) return 'NULL';
  const name = type.replace(/\(.*$/, '');
  const text = typeof value === 'string' ? value : String(value);
  switch (name) {
    case 'bit':
      return value === true || value === 1 ? '1' : '0';
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return text;
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney':
    case 'float':
    case 'real':
    case 'uniqueidentifier':
    case 'date':
    case 'time':
    case 'datetime2':
    case 'datetimeoffset':
      // ISO 8601 forms of the newer date types do not depend on SET DATEFORMAT or the language.
      return `CONVERT(${type}, '${text}')`;
    case 'datetime':
      return `CONVERT(datetime, '${text}', 121)`;
    case 'smalldatetime':
      return `CONVERT(smalldatetime, '${text}', 120)`;
    case 'binary':
    case 'varbinary':
      return `0x${(value as Buffer).toString('hex')}`;
    case 'char':
    case 'varchar':
    case 'text':
      return `'${text.replaceAll("'", "''")}'`;
    default:
      // nchar, nvarchar, ntext, xml
      return quoteString(text);
  }
}
