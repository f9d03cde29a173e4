import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ConfigError, EnvironmentError, ExitCode, exitCodeOf } from '@datakit/errors';
import { selfSignedCertificate, startTdsServer } from '@datakit/tds-server';
import type { TdsHandler, TdsServer } from '@datakit/tds-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { SqlServerConnection } from './config.ts';
import { openSqlServerSession } from './connect.ts';
import { everyTypeContract, everyTypeTable, fixtureDatabase } from './testing/fixtures.ts';
import { sqlServerStatementHandlers } from './testing/statement-handlers.ts';

// A server whose TLS certificate the client does not trust must be refused before the login:
// the TDS stand-in encrypts with a self-signed certificate (as a fresh SQL Server does), and the
// adapter connects with encryption and trustServerCertificate: false.
const run = promisify(execFile);
const PASSWORD = 'S3cret;{pw}=';

let dir: string;
let server: TdsServer;
/** Every statement that reached the stand-in's handlers, and its connection log. */
const statements: string[] = [];
const log: string[] = [];
let tedious: SqlServerConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datakit-sqlserver-tls-'));
  await writeFile(join(dir, 'password'), PASSWORD, { mode: 0o600 });
  const recordStatements: TdsHandler = (request) => {
    statements.push(request.sql);
    return undefined;
  };
  server = await startTdsServer({
    logins: { loader: PASSWORD },
    databases: ['Sales'],
    tls: selfSignedCertificate(dir),
    // As Force Encryption: every connection, the login and what follows, is encrypted.
    encryption: 'required',
    handlers: [recordStatements, ...sqlServerStatementHandlers(fixtureDatabase([everyTypeTable]))],
    log: (line) => log.push(line),
  });
  tedious = {
    kind: 'sqlserver',
    host: 'localhost',
    port: server.port,
    database: 'Sales',
    auth: 'sql',
    user: 'loader',
    password: { kind: 'file', path: join(dir, 'password') },
    driver: 'tedious',
    encrypt: true,
    trustServerCertificate: false,
  };
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  statements.length = 0;
  log.length = 0;
});

function failure(connection: SqlServerConnection): Promise<Error> {
  return openSqlServerSession('source', connection).then(
    async (session) => {
      await session.close();
      throw new Error('the session opened');
    },
    (error: unknown) => error as Error,
  );
}

/** Whether any login got past the TLS handshake (the stand-in logs each one it accepts). */
function loggedIn(): boolean {
  return log.some((line) => /: logged in /.test(line));
}

describe('a SQL login over tedious to a server whose certificate is not trusted', () => {
  it('is refused with the certificate paragraph and the environment exit code, nothing read', async () => {
    const error = await failure(tedious);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(exitCodeOf(error)).toBe(ExitCode.Environment);
    expect(`${error.message}\n${(error as EnvironmentError).hint ?? ''}`).toBe(
      `The TLS certificate of the SQL Server for the source database Sales at localhost:${server.port} as loader was refused (Failed to connect to localhost:${server.port} - self-signed certificate).\n` +
        'Give the client the CA that issued the server certificate (tedious: NODE_EXTRA_CA_CERTS=<ca.pem>, or NODE_OPTIONS=--use-system-ca for the system store; ODBC Driver 18: the system trust store, update-ca-certificates) and connect with the host name the certificate names; trustServerCertificate: true accepts any certificate, for test servers only.',
    );
    expect(error.message).not.toContain(PASSWORD);
    // The handshake began (the client asked for encryption) and went no further.
    expect(log.some((line) => /PRELOGIN client encryption/.test(line))).toBe(true);
    expect(loggedIn()).toBe(false);
    expect(statements).toEqual([]);
  });

  it('is refused when the certificate comes from a CA the client does not know', async () => {
    // A certificate for localhost issued by a CA of its own, not self-signed: tedious reports
    // "unable to verify the first certificate" instead.
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=Untrusted Test CA',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
    ]);
    await run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'leaf.key'),
      '-out',
      join(dir, 'leaf.csr'),
    ]);
    await writeFile(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      join(dir, 'leaf.csr'),
      '-CA',
      join(dir, 'ca.pem'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      join(dir, 'leaf.ext'),
      '-out',
      join(dir, 'leaf.pem'),
    ]);
    const issued = await startTdsServer({
      logins: { loader: PASSWORD },
      databases: ['Sales'],
      tls: {
        cert: await readFile(join(dir, 'leaf.pem')),
        key: await readFile(join(dir, 'leaf.key')),
      },
      encryption: 'required',
      handlers: sqlServerStatementHandlers(fixtureDatabase([everyTypeTable])),
    });
    try {
      const error = await failure({ ...tedious, port: issued.port });
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(exitCodeOf(error)).toBe(ExitCode.Environment);
      expect(error.message).toBe(
        `The TLS certificate of the SQL Server for the source database Sales at localhost:${issued.port} as loader was refused (Failed to connect to localhost:${issued.port} - unable to verify the first certificate).`,
      );
    } finally {
      await issued.close();
    }
  });

  it('logs in and reads once the certificate is trusted knowingly (the same server, so the refusal above is the certificate)', async () => {
    const session = await openSqlServerSession('source', {
      ...tedious,
      trustServerCertificate: true,
    });
    try {
      const rows = await session.read({
        schema: 'sales',
        table: everyTypeContract,
        cursor: null,
        batchSize: 10,
        format: 'text',
      });
      if (rows.kind !== 'fields') throw new Error('expected fields');
      let count = 0;
      for await (const batch of rows.batches) count += batch.length;
      expect(count).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
    expect(loggedIn()).toBe(true);
    expect(statements.some((sql) => sql.includes('[sales].[every_type]'))).toBe(true);
  });
});

describe('FreeTDS ODBC to a server whose certificate must be verified', () => {
  it('is refused as a configuration error before any connection, since FreeTDS cannot verify it from a connection string', async () => {
    const error = await failure({
      ...tedious,
      driver: 'msnodesqlv8',
      odbcDriver: 'FreeTDS',
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect(error.message).toBe(
      'The SQL Server connection to localhost cannot be used: odbcDriver "FreeTDS" cannot verify the server certificate from a connection string (it checks certificates only against a freetds.conf "ca file"); set trustServerCertificate: true knowingly, or use "ODBC Driver 18 for SQL Server".',
    );
    // Not even a PRELOGIN: FreeTDS would have accepted the certificate silently.
    expect(log).toEqual([]);
    expect(statements).toEqual([]);
  });
});
