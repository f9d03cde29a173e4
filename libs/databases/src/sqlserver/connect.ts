import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { EnvironmentError } from '@datakit/errors';
import type { DatakitError } from '@datakit/errors';
import type { SecretRef } from '@datakit/secrets';
import type * as KerberosModule from 'kerberos';
import type { ConnectionPool, config as MssqlConfig } from 'mssql';

import type { ConnectionRole, ReadRequest, SourceRows, SourceSession } from '../adapter.ts';
import { readPassword } from '../read-password.ts';
import { readSqlServerCatalog } from './catalog.ts';
import {
  CONNECT_TIMEOUT_MS,
  mssqlConfig,
  normalizeSqlServerConnection,
  ticketCacheOf,
} from './config.ts';
import type { NormalizedSqlServerConnection, SqlServerConnection } from './config.ts';
import { convertSqlServerError } from './errors.ts';
import type { FailureContext, ServerMessage } from './errors.ts';
import { planRead, streamRows } from './read.ts';
import type { StreamingRequest } from './read.ts';
import { sqlServerDialect } from './types.ts';

/**
 * Loads a native addon (msnodesqlv8, kerberos) with require(): in a datakit image they are
 * external to the ESM bundle and live in the base image's NODE_PATH, which require() honours
 * and ESM import() does not.
 */
const requireNative = createRequire(import.meta.url);

/**
 * Opens a session on a SQL Server database: a SQL login over tedious or ODBC, or Kerberos
 * (integrated authentication) over msnodesqlv8 and an ODBC driver with the ticket cache
 * `KRB5CCNAME` names. Every failure is one platform error (see `errors.ts`).
 */
export async function openSqlServerSession(
  role: ConnectionRole,
  connection: SqlServerConnection,
): Promise<SourceSession> {
  // The ODBC drivers' GSSAPI client reads KRB5CCNAME from the process environment.
  const env = process.env;
  const settings = normalizeSqlServerConnection(connection);
  const labelBase = `${role} database ${settings.database} at ${serverOf(settings)}`;
  let context: FailureContext;
  let password: string | undefined;
  if (settings.auth === 'kerberos') {
    const ticketCache = ticketCacheOf(env, labelBase);
    context = {
      label: `${labelBase} with the Kerberos ticket in ${ticketCache}`,
      kerberos: { ticketCache, servicePrincipal: settings.serverSpn },
      database: settings.database,
      phase: 'connect',
    };
    await requireTicketCache(ticketCache, context.label);
  } else {
    context = {
      label: `${labelBase} as ${settings.user ?? ''}`,
      kerberos: undefined,
      database: settings.database,
      phase: 'connect',
    };
    password = await readPassword(role, connection.password as SecretRef);
  }

  const driver = mssqlConfig(settings, password);
  if (driver.driver === 'msnodesqlv8') {
    // mssql's msnodesqlv8 pool keeps only the last ODBC diagnostic record of a failed login
    // ("Unable to connect to data source"), dropping the server's error before it (4060,
    // 18456): one login straight through msnodesqlv8 first keeps them all.
    await probeOdbcLogin(driver.config.connectionString, context);
  }
  const loginMessages: ServerMessage[] = [];
  const pool = await createPool(driver.driver, driver.config, loginMessages);
  // A pool whose connection fails later emits 'error'; the failing request reports it.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (cause) {
    await pool.close().catch(() => undefined);
    throw await diagnose(cause, context, loginMessages);
  }
  const queryContext: FailureContext = { ...context, phase: 'query' };
  const convert = (error: unknown) => convertSqlServerError(error, queryContext);

  return {
    role,
    connection,
    label: context.label,
    dialect: sqlServerDialect,
    copyFormats: [],
    // Rejected rows are read again by key (statements.ts: `OR EXISTS (… VALUES …)`).
    readsByKey: true,
    async readCatalog(schema, tables) {
      try {
        return await readSqlServerCatalog(
          async (statement) => (await pool.request().query(statement)).recordset,
          schema,
          tables,
        );
      } catch (error) {
        throw convert(error);
      }
    },
    async read(request: ReadRequest): Promise<SourceRows> {
      const plan = planRead(request);
      return streamRows(
        { request: () => pool.request() as unknown as StreamingRequest, convert },
        plan,
        request.batchSize,
      );
    },
    async close() {
      await pool.close().catch(() => undefined);
    },
  };
}

/**
 * Logs in once through msnodesqlv8 itself, whose error carries every ODBC diagnostic record
 * (SQLSTATE, native error, message), and logs out again.
 */
async function probeOdbcLogin(connectionString: string, context: FailureContext): Promise<void> {
  let client: OdbcClient;
  try {
    client = requireNative('msnodesqlv8') as OdbcClient;
  } catch (cause) {
    throw driverMissing(cause);
  }
  const failure = await new Promise<unknown>((resolve) => {
    client.open(
      { conn_str: connectionString, conn_timeout: CONNECT_TIMEOUT_MS / 1000 },
      (error, connection) => {
        if (error) resolve(error);
        else connection.close(() => resolve(undefined));
      },
    );
  });
  if (failure !== undefined) throw await diagnose(failure, context, []);
}

/** The part of msnodesqlv8 the probe uses. */
interface OdbcClient {
  open(
    description: { conn_str: string; conn_timeout: number },
    callback: (error: unknown, connection: { close(callback: () => void): void }) => void,
  ): void;
}

/**
 * The platform error of a failed login. When a Kerberos login fails without the driver saying
 * why (FreeTDS reports any GSSAPI failure as "Adaptive Server connection failed", writing the
 * cause only to its debug log), the system's GSSAPI client (the `kerberos` package, over the
 * same MIT krb5 library the ODBC drivers use, with the same `KRB5CCNAME` and krb5.conf) asks for
 * the service ticket itself, and its error says what is wrong: no ticket, an expired one, an SPN
 * the KDC does not know.
 */
async function diagnose(
  cause: unknown,
  context: FailureContext,
  loginMessages: readonly ServerMessage[],
): Promise<DatakitError> {
  const error = convertSqlServerError(cause, context, loginMessages);
  if (context.kerberos === undefined || !isUnexplained(error)) return error;
  const reason = await gssapiFailure(context.kerberos.servicePrincipal);
  if (reason === undefined) return error;
  const explained = convertSqlServerError(new Error(reason, { cause }), context, loginMessages);
  return isUnexplained(explained) ? error : explained;
}

/** Whether the converter could only say "cannot open". */
function isUnexplained(error: DatakitError): boolean {
  return error.message.startsWith('Cannot open the ');
}

/** The GSSAPI error of asking the KDC for a ticket to `MSSQLSvc/host:port`, or undefined. */
async function gssapiFailure(servicePrincipal: string): Promise<string | undefined> {
  try {
    const kerberos = requireNative('kerberos') as typeof KerberosModule;
    // MSSQLSvc/host:port as a host-based service name: MSSQLSvc@host:port.
    const client = await kerberos.initializeClient(servicePrincipal.replace('/', '@'), {
      mechOID: kerberos.GSS_MECH_OID_KRB5,
    });
    await client.step('');
    return undefined;
  } catch (cause) {
    return (cause as Error).message;
  }
}

function driverMissing(cause: unknown): EnvironmentError {
  return new EnvironmentError(
    `The msnodesqlv8 driver cannot be loaded: ${(cause as Error).message}`,
    {
      cause,
      hint: 'Install unixODBC (apt-get install unixodbc) and the ODBC driver the connection names (Microsoft ODBC Driver 18 for SQL Server, or tdsodbc for FreeTDS).',
    },
  );
}

/** `host:port`, or `host\instance`. */
function serverOf(settings: NormalizedSqlServerConnection): string {
  return settings.instance === undefined
    ? `${settings.host}:${settings.port}`
    : `${settings.host}\\${settings.instance}`;
}

/**
 * The pool of the chosen driver. msnodesqlv8 is loaded only when used: it is a native addon
 * linking unixODBC, which a tedious-only machine need not have.
 */
async function createPool(
  driver: 'tedious' | 'msnodesqlv8',
  config: MssqlConfig,
  loginMessages: ServerMessage[],
): Promise<ConnectionPool> {
  if (driver === 'msnodesqlv8') {
    let pool: ConnectionPool;
    try {
      const { default: msnodesqlv8 } = await import('mssql/msnodesqlv8.js');
      pool = new msnodesqlv8.ConnectionPool(config);
    } catch (cause) {
      throw driverMissing(cause);
    }
    return pool;
  }
  const { default: mssql } = await import('mssql');
  return new mssql.ConnectionPool({
    ...config,
    // tedious keeps only the last message of a failed login ("Login failed…" also ends a login
    // to a database that does not exist); the errors.ts converter needs them all.
    beforeConnect: (connection: unknown) => {
      const emitter = connection as {
        on(event: 'errorMessage', listener: (token: ServerMessage) => void): void;
      };
      emitter.on('errorMessage', (token) => {
        loginMessages.push({ number: token.number, message: token.message });
      });
    },
  } as MssqlConfig);
}

/**
 * A missing cache file fails here, with a message about the ticket, rather than as whatever the
 * ODBC driver makes of it.
 */
async function requireTicketCache(ticketCache: string, label: string): Promise<void> {
  const path = ticketCache.slice('FILE:'.length);
  try {
    await access(path);
  } catch {
    throw new EnvironmentError(
      `No valid Kerberos ticket in ${ticketCache} for the ${label}: the cache file does not exist.`,
      {
        hint: 'Is the Kerberos sidecar ready? It keeps that cache filled from the keytab; locally, run kinit with KRB5CCNAME set to the same FILE: cache.',
      },
    );
  }
}
