import type pg from 'pg';

import type { ConnectionOf } from '../adapter.ts';

/** A PostgreSQL connection as warehouse.yaml describes it. */
export type PostgresConnection = ConnectionOf<'postgres'>;

/** A PostgreSQL connection that logs in with Kerberos. */
export type KerberosPostgresConnection = PostgresConnection;

/** How long to wait for a TCP connection and the login before giving up. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** node-postgres's settings for a password (or passwordless) login. */
export function passwordClientConfig(
  connection: PostgresConnection,
  password: string | undefined,
): pg.ClientConfig {
  return {
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
  };
}

function sslOption(mode: PostgresConnection['sslMode']): pg.ClientConfig['ssl'] {
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

/** How long libpq waits for the TCP connection and the login (`connect_timeout`). */
export const KERBEROS_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * The libpq connection string of a Kerberos (GSSAPI) login, for pg-native.
 *
 * `host` stays the configured name because libpq builds the service principal from it
 * (`postgres/<host>@REALM`); `hostaddr` is the address that name resolved to, so libpq does
 * not resolve it again and connects exactly there. No password: libpq answers the server's
 * GSSAPI request with a service ticket obtained through the cache `KRB5CCNAME` names.
 */
export function kerberosConninfo(connection: KerberosPostgresConnection, hostaddr: string): string {
  const params: Array<[string, string]> = [
    ['host', connection.host],
    ['hostaddr', hostaddr],
    ['port', String(connection.port)],
    ['dbname', connection.database],
    ['user', connection.user],
    ['krbsrvname', 'postgres'],
    ['gssencmode', 'prefer'],
    ['sslmode', connection.sslMode],
    ['connect_timeout', String(KERBEROS_CONNECT_TIMEOUT_SECONDS)],
    ['application_name', 'datakit'],
    // `timestamp without time zone` values are read as UTC (see @datakit/contracts).
    ['options', '-c TimeZone=UTC'],
  ];
  return params.map(([key, value]) => `${key}=${quoteConninfoValue(value)}`).join(' ');
}

/** Quotes a value the way libpq's conninfo parser reads it: single quotes, `\` escapes. */
export function quoteConninfoValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
