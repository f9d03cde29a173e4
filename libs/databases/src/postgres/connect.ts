import pg from 'pg';

import type { ConnectionRole, SourceSession } from '../adapter.ts';
import { readPassword } from '../read-password.ts';
import { openKerberosClient } from './_connect-kerberos.ts';
import { readLiveSchema } from './catalog.ts';
import { passwordClientConfig, type PostgresConnection } from './config.ts';
import { connectError, GSS_REQUESTED } from './errors.ts';
import { readSource } from './read.ts';
import { postgresDialect } from './types.ts';

/**
 * A PostgreSQL session: a source to read from and the warehouse the loader writes to. The
 * node-postgres client runs with session time zone UTC; with `auth: kerberos` it is the
 * native client (pg-native over libpq, `client.native` set), which speaks GSSAPI and is read
 * with a server-side cursor instead of COPY.
 */
export interface PostgresSession extends SourceSession {
  readonly connection: PostgresConnection;
  readonly client: pg.Client;
}

/**
 * Reads the password (if any) and opens a session. Every failure becomes one platform error
 * naming the side, host, port, database and user, never the password: an unreachable host, a
 * refused login or a missing database is an `EnvironmentError` (exit 5).
 */
export async function openPostgres(
  role: ConnectionRole,
  connection: PostgresConnection,
): Promise<PostgresSession> {
  const label = `${role} database ${connection.database} at ${connection.host}:${connection.port} as ${connection.user}`;
  if (connection.auth === 'kerberos') {
    // GSSAPI through libpq (pg-native) with the sidecar's ticket cache; its failures point at
    // Kerberos (the ticket, the principal, the KDC) unless the database itself is the cause.
    return postgresSession(role, connection, await openKerberosClient(connection, label), label);
  }
  const password =
    connection.password === undefined ? undefined : await readPassword(role, connection.password);
  const client = new pg.Client(passwordClientConfig(connection, password));
  // A server that goes away later emits 'error' on the client; without a listener Node would
  // crash the process. The failing query reports it instead.
  client.on('error', () => undefined);
  try {
    await connectGuarded(client);
  } catch (cause) {
    throw connectError(label, connection, cause);
  }
  return postgresSession(role, connection, client, label);
}

/**
 * The session of a connected client (password or Kerberos). `viaCursor` reads with a
 * server-side cursor instead of COPY: always for libpq's native binding, which node-postgres's
 * COPY streams cannot drive; tests ask for it to exercise that path on a plain client.
 */
export function postgresSession(
  role: ConnectionRole,
  connection: PostgresConnection,
  client: pg.Client,
  label: string,
  options: { viaCursor?: boolean } = {},
): PostgresSession {
  const native =
    options.viaCursor === true || (client as unknown as { native?: unknown }).native !== undefined;
  return {
    role,
    connection,
    client,
    label,
    dialect: postgresDialect,
    // node-postgres's COPY streams cannot drive libpq's native binding: a cursor reads it.
    copyFormats: native ? [] : ['text', 'binary'],
    readsByKey: true,
    readCatalog: (schema, tables) => readLiveSchema(client, schema, tables),
    read: (request) => readSource(client, native, request),
    close: () => client.end().catch(() => undefined),
  };
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
