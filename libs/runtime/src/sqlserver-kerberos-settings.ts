import { ConfigError } from '@datakit/errors';
import type { Connection } from '@datakit/warehouse';

/** A SQL Server connection as warehouse.yaml describes it. */
export type SqlServerConnection = Extract<Connection, { kind: 'sqlserver' }>;

/** The ODBC driver the msnodesqlv8 settings name (Microsoft's, for Linux). */
export const ODBC_DRIVER = 'ODBC Driver 18 for SQL Server';

/**
 * What a datakit needs to open a Kerberos (integrated) connection to SQL Server: the settings
 * for `mssql/msnodesqlv8` (an ODBC connection string) and the environment the ODBC driver reads
 * the ticket cache from. No user, no password: the driver's GSSAPI client takes the default
 * principal of the cache `KRB5CCNAME` names, which the Kerberos sidecar keeps filled.
 */
export interface SqlServerKerberosSettings {
  driver: 'msnodesqlv8';
  /** For `new sql.ConnectionPool({ connectionString })` of `mssql/msnodesqlv8`. */
  connectionString: string;
  /** Must be in the process environment when the driver connects. */
  environment: { KRB5CCNAME: string; KRB5_CONFIG?: string };
  /**
   * The service principal the driver will ask the KDC for (ODBC on Linux derives it from the
   * server name; it has no ServerSPN setting): `MSSQLSvc/<host>:<port>` or
   * `MSSQLSvc/<host>:<instance>`.
   */
  servicePrincipal: string;
}

/**
 * Builds the Kerberos connection settings of a `kind: sqlserver, auth: kerberos` connection,
 * following Microsoft's "Using Integrated Authentication" for the ODBC driver on Linux:
 * `Trusted_Connection=yes` with a ticket cache. tedious (pure JavaScript) cannot do this: its
 * authentication types are SQL logins, NTLM with a password and Microsoft Entra ID, and it has no
 * GSSAPI/Kerberos client, so `driver: tedious` is refused with what to use instead.
 */
export function sqlServerKerberosSettings(
  connection: SqlServerConnection,
  ticket: { ticketCache: string; krb5Config?: string },
): SqlServerKerberosSettings {
  if (connection.auth !== 'kerberos') {
    throw new ConfigError(
      `The SQL Server connection to ${connection.host} uses auth "${connection.auth}", not "kerberos".`,
    );
  }
  if (connection.driver === 'tedious') {
    throw new ConfigError(
      `The SQL Server connection to ${connection.host} asks for Kerberos with driver "tedious", which has no Kerberos (GSSAPI) support: it speaks SQL logins, NTLM with a password and Microsoft Entra ID only.`,
      {
        hint: 'Use driver "msnodesqlv8" (Microsoft ODBC Driver 18 with Trusted_Connection=yes), or auth "sql" with a SQL login.',
      },
    );
  }
  const server =
    connection.instance === undefined
      ? `${connection.host},${connection.port}`
      : `${connection.host}\\${connection.instance}`;
  const parts: Array<[string, string]> = [
    ['Driver', `{${ODBC_DRIVER}}`],
    ['Server', odbcValue(server)],
    ['Database', odbcValue(connection.database)],
    ['Trusted_Connection', 'yes'],
    ['Encrypt', connection.encrypt ? 'yes' : 'no'],
    ['TrustServerCertificate', connection.trustServerCertificate ? 'yes' : 'no'],
    ['APP', 'datakit'],
  ];
  return {
    driver: 'msnodesqlv8',
    connectionString: `${parts.map(([key, value]) => `${key}=${value}`).join(';')};`,
    environment: {
      KRB5CCNAME: ticket.ticketCache,
      ...(ticket.krb5Config === undefined ? {} : { KRB5_CONFIG: ticket.krb5Config }),
    },
    servicePrincipal: `MSSQLSvc/${connection.host}:${connection.instance ?? connection.port}`,
  };
}

/** An ODBC attribute value: braced (with `}` doubled) when it holds `;`, `{`, `}` or `=`. */
export function odbcValue(value: string): string {
  return /[;{}=]|^\s|\s$/.test(value) ? `{${value.replaceAll('}', '}}')}}` : value;
}
