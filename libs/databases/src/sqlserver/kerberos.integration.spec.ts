import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { EnvironmentError } from '@datakit/errors';
import { infraPaths } from '@datakit/local-infra';
import { selfSignedCertificate, startTdsServer } from '@datakit/tds-server';
import type { TdsServer } from '@datakit/tds-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SourceRows, SourceSession } from '../adapter.ts';
import type { SqlServerConnection } from './config.ts';
import { openSqlServerSession } from './connect.ts';
import {
  everyTypeContract,
  everyTypeExpected,
  everyTypeTable,
  fixtureDatabase,
} from './testing/fixtures.ts';
import { sqlServerStatementHandlers } from './testing/statement-handlers.ts';

// msnodesqlv8 + unixODBC + Debian's FreeTDS ODBC driver (built with GSSAPI) against the TDS
// stand-in, which verifies the Kerberos ticket with the MSSQLSvc/localhost:1433 key of the local
// KDC (infra:up exports it to .infra/kerberos/; DATAKIT_INFRA_DIR names another .infra).
const run = promisify(execFile);

let kerberosDir: string;
let server: TdsServer;
let dir: string;
let cache: string;
let base: SqlServerConnection;
const PASSWORD = 'S3cret;{pw}=';

async function kinit(ccache: string, ...extra: string[]): Promise<void> {
  await run(
    'kinit',
    [
      ...extra,
      '-k',
      '-t',
      join(kerberosDir, 'datakit-loader.keytab'),
      'datakit-loader@DATAKIT.TEST',
    ],
    { env: { ...process.env, KRB5CCNAME: ccache } },
  );
}

beforeAll(async () => {
  kerberosDir = infraPaths().kerberosDir;
  process.env['KRB5_CONFIG'] = join(kerberosDir, 'krb5.conf');
  dir = await mkdtemp(join(tmpdir(), 'datakit-sqlserver-krb-'));
  cache = `FILE:${join(dir, 'ccache')}`;
  await kinit(cache);
  process.env['KRB5CCNAME'] = cache;
  const certificate = selfSignedCertificate(dir);
  await writeFile(join(dir, 'password'), PASSWORD);
  server = await startTdsServer({
    databases: ['Sales'],
    logins: { loader: PASSWORD },
    kerberos: {
      keytab: join(kerberosDir, 'mssqlsvc.keytab'),
      krb5Config: join(kerberosDir, 'krb5.conf'),
    },
    tls: certificate,
    handlers: sqlServerStatementHandlers(fixtureDatabase([everyTypeTable])),
  });
  base = {
    kind: 'sqlserver',
    host: 'localhost',
    port: server.port,
    database: 'Sales',
    auth: 'kerberos',
    driver: 'msnodesqlv8',
    odbcDriver: 'FreeTDS',
    // The stand-in listens on a free port; the service key is for port 1433.
    serverSpn: 'MSSQLSvc/localhost:1433',
    encrypt: true,
    trustServerCertificate: true,
  };
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function collect(rows: SourceRows): Promise<(string | null)[][]> {
  if (rows.kind !== 'fields') throw new Error('expected fields');
  const all: (string | null)[][] = [];
  for await (const batch of rows.batches) for (const row of batch) all.push([...row]);
  return all;
}

async function readEveryType(session: SourceSession): Promise<(string | null)[][]> {
  return collect(
    await session.read({
      schema: 'sales',
      table: everyTypeContract,
      cursor: null,
      batchSize: 2,
      format: 'text',
    }),
  );
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

describe('Kerberos through msnodesqlv8 and FreeTDS ODBC (GSSAPI), over TLS', () => {
  it('logs in with the ticket and reads every type as tedious does', async () => {
    const session = await openSqlServerSession('source', base);
    try {
      expect(session.label).toBe(
        `source database Sales at localhost:${server.port} with the Kerberos ticket in ${cache}`,
      );
      expect(await readEveryType(session)).toEqual(everyTypeExpected);
    } finally {
      await session.close();
    }
  });

  it('reads the catalog through ODBC as through tedious', async () => {
    const session = await openSqlServerSession('source', base);
    try {
      const live = await session.readCatalog('sales', ['every_type']);
      expect(live.tables['every_type']?.columns.map((c) => c.type)).toEqual(
        Object.values(everyTypeContract.columns).map((c) =>
          session.dialect.normalizeType(c.sqlType),
        ),
      );
      expect(live.tables['every_type']?.primaryKey).toEqual(['id']);
    } finally {
      await session.close();
    }
  });

  it('derives MSSQLSvc/localhost:1433 from host and port when nothing else listens on 1433', async (context) => {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(1433, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) context.skip();
    const on1433 = await startTdsServer({
      port: 1433,
      databases: ['Sales'],
      kerberos: {
        keytab: join(kerberosDir, 'mssqlsvc.keytab'),
        krb5Config: join(kerberosDir, 'krb5.conf'),
      },
      handlers: sqlServerStatementHandlers(fixtureDatabase([everyTypeTable])),
    });
    try {
      const { serverSpn: _ignored, ...derived } = base;
      const session = await openSqlServerSession('source', {
        ...derived,
        port: 1433,
        encrypt: false,
      });
      await session.close();
    } finally {
      await on1433.close();
    }
  });

  it('logs in with a SQL login over ODBC, the password braced for FreeTDS', async () => {
    const session = await openSqlServerSession('source', {
      ...base,
      auth: 'sql',
      user: 'loader',
      password: { kind: 'file', path: join(dir, 'password') },
      serverSpn: undefined,
    });
    try {
      expect(await readEveryType(session)).toEqual(everyTypeExpected);
    } finally {
      await session.close();
    }
  });
});

describe('Kerberos failures', () => {
  it('says there is no ticket when the cache file does not exist', async () => {
    process.env['KRB5CCNAME'] = `FILE:${join(dir, 'absent')}`;
    try {
      const error = await failure(base);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toBe(
        `No valid Kerberos ticket in FILE:${join(dir, 'absent')} for the source database Sales at localhost:${server.port} with the Kerberos ticket in FILE:${join(dir, 'absent')}: the cache file does not exist.`,
      );
      expect((error as EnvironmentError).hint).toMatch(/Is the Kerberos sidecar ready\?/);
    } finally {
      process.env['KRB5CCNAME'] = cache;
    }
  });

  it('says there is no ticket when the cache holds none', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    process.env['KRB5CCNAME'] = `FILE:${empty}`;
    try {
      const error = await failure(base);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toMatch(
        /^No valid Kerberos ticket in FILE:.*empty .*: the cache holds none/,
      );
    } finally {
      process.env['KRB5CCNAME'] = cache;
    }
  });

  it('says the ticket has expired', async () => {
    const short = `FILE:${join(dir, 'short')}`;
    await kinit(short, '-l', '5s');
    await new Promise((resolve) => setTimeout(resolve, 7000));
    process.env['KRB5CCNAME'] = short;
    try {
      const error = await failure(base);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toMatch(
        /^No valid Kerberos ticket in FILE:.*short .*: the cache has expired/,
      );
    } finally {
      process.env['KRB5CCNAME'] = cache;
    }
  });

  it('names the service principal the KDC does not know', async () => {
    const error = await failure({ ...base, serverSpn: 'MSSQLSvc/nohost.example:1433' });
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(
      /^The Kerberos KDC does not know the service principal MSSQLSvc\/nohost\.example:1433 of the source database Sales/,
    );
  });

  it('says which database is missing, though FreeTDS ends with "Unable to connect"', async () => {
    const error = await failure({ ...base, database: 'Nope' });
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/^SQL Server has no database "Nope" the login may open/);
  });

  it('says a server is unreachable', async () => {
    const down = await startTdsServer({});
    const port = down.port;
    await down.close();
    const error = await failure({ ...base, port });
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(
      /cannot be reached \(Unable to connect: Adaptive Server is unavailable/,
    );
  });

  it('refuses a wrong SQL password over ODBC with error 18456', async () => {
    await writeFile(join(dir, 'wrong'), 'nope');
    const error = await failure({
      ...base,
      auth: 'sql',
      user: 'loader',
      password: { kind: 'file', path: join(dir, 'wrong') },
      serverSpn: undefined,
    });
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(
      /^SQL Server refused the login .* \(error 18456: Login failed for user 'loader'\)/,
    );
  });
});
