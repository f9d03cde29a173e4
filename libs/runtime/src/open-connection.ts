import { ConfigError, EnvironmentError, isDatakitError } from '@datakit/errors';
import { createSecretProvider, formatSecretRef } from '@datakit/secrets';
import type { SecretRef } from '@datakit/secrets';
import type { Connection } from '@datakit/warehouse';
import pg from 'pg';

import { openKerberosConnection } from './open-kerberos-connection.ts';

/** Which side of the datakit a connection is. */
export type ConnectionRole = 'source' | 'target';

/** An open database session, the handle the drift check and the loader work with. */
export interface OpenConnection {
  role: ConnectionRole;
  /** The connection settings as configured (secret references, never values). */
  connection: Connection;
  /**
   * A connected node-postgres client, session time zone UTC. With `auth: kerberos` it is the
   * native client (pg-native over libpq, `client.native` set), which speaks GSSAPI.
   */
  client: pg.Client;
  /** E.g. `source database pagila at 127.0.0.1:5432 as pagila_reader`; never a secret. */
  label: string;
  /** Ends the session; never throws. */
  close(): Promise<void>;
}

/** How long to wait for a TCP connection and the login before giving up. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Reads the password (if any) and opens a session. Every failure becomes one platform error
 * naming the side, host, port, database and user, never the password:
 * an unreachable host, a refused login or a missing database is an `EnvironmentError` (exit 5);
 * a connection kind this runtime cannot open is a `ConfigError` (exit 2).
 */
export async function openConnection(
  role: ConnectionRole,
  connection: Connection,
): Promise<OpenConnection> {
  if (connection.kind !== 'postgres') {
    // TODO(issue 3): SQL Server (mssql/msnodesqlv8 with ODBC Driver 18) cannot be installed here.
    throw new ConfigError(
      `The ${role} connection is of kind "${connection.kind}", which this runtime cannot open yet; only "postgres" is supported.`,
      { hint: `Point ${role} at a PostgreSQL database.` },
    );
  }
  const label = `${role} database ${connection.database} at ${connection.host}:${connection.port} as ${connection.user}`;
  if (connection.auth === 'kerberos') {
    // GSSAPI through libpq (pg-native) with the sidecar's ticket cache; its failures point at
    // Kerberos (the ticket, the principal, the KDC) unless the database itself is the cause.
    return openKerberosConnection(role, connection, label);
  }
  const password =
    connection.password === undefined ? undefined : await readPassword(role, connection.password);
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password,
    ssl: sslOption(connection.sslMode),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // `timestamp without time zone` values are read as UTC (see @datakit/contracts).
    options: '-c TimeZone=UTC',
    application_name: 'datakit',
  });
  // A server that goes away later emits 'error' on the client; without a listener Node would
  // crash the process. The failing query reports it instead.
  client.on('error', () => undefined);
  try {
    await connectGuarded(client);
  } catch (cause) {
    throw connectError(label, connection, cause);
  }
  return connectedAs(role, connection, client, label);
}

/** The handle of a connected client (password or Kerberos). */
export function connectedAs(
  role: ConnectionRole,
  connection: Connection,
  client: pg.Client,
  label: string,
): OpenConnection {
  return { role, connection, client, label, close: () => client.end().catch(() => undefined) };
}

async function readPassword(role: ConnectionRole, ref: SecretRef): Promise<string> {
  if (ref.kind === 'delinea') {
    throw new ConfigError(
      `${role}.password is ${formatSecretRef(ref)}, but a datakit reads only file: and env: secret references.`,
      { hint: 'Mount the secret as a file (the deployer does this) and use file:<path>.' },
    );
  }
  try {
    const secret = await createSecretProvider({ kind: ref.kind }).get(ref);
    try {
      return secret.revealText().replace(/\r?\n$/, '');
    } finally {
      secret.dispose();
    }
  } catch (cause) {
    if (isDatakitError(cause) && cause.name === 'ConfigError') throw cause;
    throw new EnvironmentError(
      `The ${role} password cannot be read from ${formatSecretRef(ref)}: ${(cause as Error).message}`,
      { hint: `Mount the secret there, or fix ${role}.password in the config file.`, cause },
    );
  }
}

function sslOption(mode: 'disable' | 'prefer' | 'require' | 'verify-full'): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'prefer':
      // node-postgres cannot fall back from TLS to plain text, so "prefer" connects without TLS.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

/**
 * `client.connect()`, except that a login the JavaScript client cannot speak ends as a rejected
 * promise instead of a crash: node-postgres's protocol parser throws from a socket callback
 * when the server asks for GSSAPI (authentication request 7), which no caller can catch. Any
 * other uncaught exception meanwhile is thrown again once the guard is gone. On failure the
 * client is ended.
 */
async function connectGuarded(client: pg.Client): Promise<void> {
  let onUncaught: ((error: Error) => void) | undefined;
  const thrown = new Promise<never>((_resolve, reject) => {
    onUncaught = (error) => {
      if (GSS_REQUESTED.test(error.message)) {
        reject(error);
        return;
      }
      // Not this connect's: the process fails on it as it would without the guard.
      process.off('uncaughtException', onUncaught as (error: Error) => void);
      process.nextTick(() => {
        throw error;
      });
    };
    process.on('uncaughtException', onUncaught);
  });
  try {
    await Promise.race([client.connect(), thrown]);
  } catch (error) {
    // Stop the parser before the guard goes: the socket may still deliver that message.
    (
      client as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
    await client.end().catch(() => undefined);
    throw error;
  } finally {
    if (onUncaught) process.off('uncaughtException', onUncaught);
  }
}

/** The server asked for a GSSAPI (Kerberos) login (AuthenticationGSS is request 7). */
const GSS_REQUESTED = /authenticationOk message type 7\b/;

/** PostgreSQL error codes of a refused login (class 28) and a missing database. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);
const NO_DATABASE = '3D000';

function connectError(label: string, connection: Connection, cause: unknown): EnvironmentError {
  const error = cause as NodeJS.ErrnoException & { code?: string };
  const code = error.code ?? '';
  if (LOGIN_REFUSED.has(code)) {
    return new EnvironmentError(`The ${label} refused the login: ${error.message}.`, {
      hint: `Check the user and the password secret (${connection.kind === 'postgres' && connection.password ? formatSecretRef(connection.password) : 'none configured'}), and pg_hba.conf on the server.`,
      cause,
    });
  }
  if (GSS_REQUESTED.test(error.message)) {
    return new EnvironmentError(
      `The ${label} asks for a Kerberos (GSSAPI) login, and this connection is configured for a password.`,
      {
        hint: "Set auth: kerberos on this connection (the datakit then logs in with the sidecar's ticket), or have pg_hba.conf give this user a password method.",
        cause,
      },
    );
  }
  if (code === NO_DATABASE) {
    return new EnvironmentError(`The ${label} cannot be opened: ${error.message}.`, {
      hint: 'Check the database name in the config file.',
      cause,
    });
  }
  const why =
    code === 'ECONNREFUSED'
      ? 'the connection was refused (nothing listens on that port)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : /timeout/i.test(error.message)
          ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} seconds`
          : error.message;
  return new EnvironmentError(`The ${label} cannot be reached: ${why}.`, {
    hint: 'Check host and port in the config file and that the database server is running and reachable from this container.',
    cause,
  });
}
