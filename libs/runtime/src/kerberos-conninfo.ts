import type { Connection } from '@datakit/warehouse';

/** A PostgreSQL connection that logs in with Kerberos. */
export type KerberosPostgresConnection = Extract<Connection, { kind: 'postgres' }>;

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
