import { ConfigError, EnvironmentError } from '@datakit/errors';
import type { config as MssqlConfig } from 'mssql';

import type { ConnectionOf } from '../adapter.ts';

/** The ODBC drivers the msnodesqlv8 path knows how to speak to. */
export const ODBC_DRIVERS = ['ODBC Driver 18 for SQL Server', 'FreeTDS'] as const;

/** One of {@link ODBC_DRIVERS}. */
export type OdbcDriver = (typeof ODBC_DRIVERS)[number];

/**
 * Settings this adapter reads that warehouse.yaml does not have yet (proposed for
 * `libs/warehouse`'s `sqlServerConnectionSchema`; see the folder's report). Until then they are
 * absent and the defaults apply.
 */
export interface SqlServerConnectionExtras {
  /** The ODBC driver of `driver: msnodesqlv8`. Default `ODBC Driver 18 for SQL Server`. */
  odbcDriver?: OdbcDriver;
  /**
   * The service principal to ask the KDC for, when it is not the one the driver derives from
   * the host (`MSSQLSvc/<host>:<port>`), e.g. behind a DNS alias.
   */
  serverSpn?: string;
}

/** A `kind: sqlserver` connection as warehouse.yaml describes it, plus the proposed settings. */
export type SqlServerConnection = ConnectionOf<'sqlserver'> & SqlServerConnectionExtras;

/** A connection with every setting decided; later code never checks for `undefined` again. */
export interface NormalizedSqlServerConnection {
  host: string;
  port: number;
  database: string;
  instance: string | undefined;
  auth: 'kerberos' | 'sql';
  /** The SQL login (auth: sql); undefined for Kerberos, whose principal is the ticket's. */
  user: string | undefined;
  driver: 'msnodesqlv8' | 'tedious';
  odbcDriver: OdbcDriver;
  encrypt: boolean;
  trustServerCertificate: boolean;
  /** The service principal the client asks the KDC for (Kerberos only). */
  serverSpn: string;
  /** Whether `serverSpn` was configured (then it is sent to the driver) or derived. */
  serverSpnConfigured: boolean;
}

/** How long to wait for the TCP connection and the login. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** Connections per session: reads of several tables of one datakit may run at once. */
const POOL_MAX = 4;

/** The application name SQL Server shows in `sys.dm_exec_sessions.program_name`. */
const APP_NAME = 'datakit';

/**
 * Checks the combination of settings and fills in the defaults. Every problem is reported at
 * once, in one {@link ConfigError}.
 */
export function normalizeSqlServerConnection(
  connection: SqlServerConnection,
): NormalizedSqlServerConnection {
  const problems: string[] = [];
  const where = `the SQL Server connection to ${connection.host}`;
  const odbcDriver = connection.odbcDriver ?? 'ODBC Driver 18 for SQL Server';
  if (connection.auth === 'kerberos') {
    if (connection.driver === 'tedious') {
      problems.push(
        'driver "tedious" has no Kerberos (GSSAPI) client (it speaks SQL logins, NTLM with a password and Microsoft Entra ID only); use driver "msnodesqlv8" with an ODBC driver, or auth "sql"',
      );
    }
    if (connection.user !== undefined || connection.password !== undefined) {
      problems.push(
        'auth "kerberos" logs in as the principal of the ticket cache; remove user and password, or use auth "sql"',
      );
    }
  } else {
    if (connection.user === undefined) problems.push('auth "sql" needs user (the SQL login)');
    if (connection.password === undefined) {
      problems.push('auth "sql" needs password (a secret reference such as file:/run/secrets/…)');
    }
  }
  if (connection.driver === 'tedious' && connection.odbcDriver !== undefined) {
    problems.push(`odbcDriver "${connection.odbcDriver}" applies to driver "msnodesqlv8" only`);
  }
  if (
    connection.driver === 'msnodesqlv8' &&
    odbcDriver === 'FreeTDS' &&
    connection.encrypt &&
    !connection.trustServerCertificate
  ) {
    // FreeTDS checks a server certificate only against a `ca file` of freetds.conf, which a
    // connection string cannot name: it would accept any certificate without saying so.
    problems.push(
      'odbcDriver "FreeTDS" cannot verify the server certificate from a connection string (it checks certificates only against a freetds.conf "ca file"); set trustServerCertificate: true knowingly, or use "ODBC Driver 18 for SQL Server"',
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`${capitalise(where)} cannot be used: ${problems.join('; ')}.`, {
      hint: 'Fix the connection in warehouse.yaml.',
    });
  }
  const derivedSpn = `MSSQLSvc/${connection.host}:${connection.instance ?? connection.port}`;
  return {
    host: connection.host,
    port: connection.port,
    database: connection.database,
    instance: connection.instance,
    auth: connection.auth,
    user: connection.auth === 'sql' ? connection.user : undefined,
    driver: connection.driver,
    odbcDriver,
    encrypt: connection.encrypt,
    trustServerCertificate: connection.trustServerCertificate,
    serverSpn: connection.serverSpn ?? derivedSpn,
    serverSpnConfigured: connection.serverSpn !== undefined,
  };
}

/** What `new ConnectionPool(config)` of `mssql` (tedious) or `mssql/msnodesqlv8` takes. */
export type SqlServerDriverConfig =
  | { driver: 'tedious'; config: MssqlConfig }
  | {
      driver: 'msnodesqlv8';
      config: MssqlConfig & { connectionString: string };
      /** The connection string without the password, for messages and tests. */
      redactedConnectionString: string;
    };

/**
 * The `mssql` configuration of a normalised connection: tedious with a SQL login, or
 * msnodesqlv8 with a full ODBC connection string (mssql's own default names ODBC Driver 17).
 * `password` is the SQL login's password (auth: sql), already read from its secret.
 */
export function mssqlConfig(
  settings: NormalizedSqlServerConnection,
  password: string | undefined,
): SqlServerDriverConfig {
  const common = {
    server: settings.host,
    database: settings.database,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    // A streamed read of a large table may take hours; the loader's backpressure pauses it.
    requestTimeout: 0,
    pool: { min: 0, max: POOL_MAX, idleTimeoutMillis: 30_000 },
  };
  if (settings.driver === 'tedious') {
    return {
      driver: 'tedious',
      config: {
        ...common,
        ...(settings.instance === undefined ? { port: settings.port } : {}),
        user: settings.user,
        password,
        options: {
          encrypt: settings.encrypt,
          trustServerCertificate: settings.trustServerCertificate,
          appName: APP_NAME,
          useUTC: true,
          ...(settings.instance === undefined ? {} : { instanceName: settings.instance }),
        },
      },
    };
  }
  const connectionString = odbcConnectionString(settings, password);
  return {
    driver: 'msnodesqlv8',
    config: { ...common, connectionString },
    redactedConnectionString: odbcConnectionString(
      settings,
      password === undefined ? undefined : '***',
    ),
  };
}

/**
 * The ODBC connection string for `mssql/msnodesqlv8`.
 *
 * - Microsoft ODBC Driver 18 ("DSN and Connection String Keywords and Attributes",
 *   learn.microsoft.com/sql/connect/odbc/dsn-connection-string-attribute):
 *   `Server=host,port` or `host\instance`, `Trusted_Connection=yes` for Kerberos from the
 *   ticket cache, `Encrypt`, `TrustServerCertificate`, `ServerSPN`.
 * - FreeTDS ("ODBC connection attributes", freetds.org/userguide/odbcconnattr.htm):
 *   `Server`, `Port`, `TDS_Version=7.4`, `Encryption=require|off`, `ClientCharset=UTF-8`,
 *   `Trusted_Connection=Yes` (empty user: FreeTDS built with GSSAPI then logs in with the
 *   ticket cache, asking for `MSSQLSvc/<host>:<port>`), `ServerSPN`.
 */
export function odbcConnectionString(
  settings: NormalizedSqlServerConnection,
  password: string | undefined,
): string {
  const parts: Array<[string, string]> = [];
  if (settings.odbcDriver === 'FreeTDS') {
    const quote = freeTdsValue;
    parts.push(['Driver', '{FreeTDS}']);
    parts.push(['Server', quote(settings.host)]);
    if (settings.instance === undefined) parts.push(['Port', String(settings.port)]);
    else parts.push(['InstanceName', quote(settings.instance)]);
    parts.push(['Database', quote(settings.database)]);
    parts.push(['TDS_Version', '7.4']);
    parts.push(['ClientCharset', 'UTF-8']);
    // FreeTDS would otherwise send SET TEXTSIZE with its own default, which silently cuts
    // (n)varchar(max), varbinary(max), text and image values.
    parts.push(['TextSize', '2147483647']);
    parts.push(['Encryption', settings.encrypt ? 'require' : 'off']);
    pushLogin(parts, settings, password, quote, 'Yes');
    parts.push(['APP', APP_NAME]);
  } else {
    const quote = microsoftOdbcValue;
    const server =
      settings.instance === undefined
        ? `${settings.host},${settings.port}`
        : `${settings.host}\\${settings.instance}`;
    parts.push(['Driver', `{${settings.odbcDriver}}`]);
    parts.push(['Server', quote(server)]);
    parts.push(['Database', quote(settings.database)]);
    pushLogin(parts, settings, password, quote, 'yes');
    parts.push(['Encrypt', settings.encrypt ? 'yes' : 'no']);
    parts.push(['TrustServerCertificate', settings.trustServerCertificate ? 'yes' : 'no']);
    parts.push(['APP', APP_NAME]);
  }
  return `${parts.map(([key, value]) => `${key}=${value}`).join(';')};`;
}

function pushLogin(
  parts: Array<[string, string]>,
  settings: NormalizedSqlServerConnection,
  password: string | undefined,
  quote: (value: string) => string,
  yes: string,
): void {
  if (settings.auth === 'kerberos') {
    parts.push(['Trusted_Connection', yes]);
    if (settings.serverSpnConfigured) parts.push(['ServerSPN', quote(settings.serverSpn)]);
    return;
  }
  parts.push(['UID', quote(settings.user ?? '')]);
  parts.push(['PWD', quote(password ?? '')]);
}

/**
 * A value for Microsoft's ODBC drivers: braced, with `}` doubled, when it holds `;`, `{`, `}`,
 * `=` or surrounding blanks (ODBC's SQLDriverConnect grammar).
 */
export function microsoftOdbcValue(value: string): string {
  return /[;{}=]|^\s|\s$/.test(value) ? `{${value.replaceAll('}', '}}')}}` : value;
}

/**
 * A value for FreeTDS: braced when it holds `;`, `{`, `}`, `=` or blanks. FreeTDS reads a
 * braced value up to the first `};` and does not undo doubled braces (odbc/connectparams.c
 * `odbc_parse_connect_string`), so `}` stays single and a value holding `};` cannot be written.
 */
export function freeTdsValue(value: string): string {
  if (value.includes('};')) {
    throw new ConfigError(
      `A setting of the SQL Server connection holds "};", which FreeTDS's connection-string parser cannot read.`,
      { hint: 'Rename it, or use the Microsoft ODBC driver (odbcDriver).' },
    );
  }
  return /[;{}=]|^\s|\s$/.test(value) ? `{${value}}` : value;
}

/** The environment variable the Kerberos library reads the ticket cache from. */
export const TICKET_CACHE_VARIABLE = 'KRB5CCNAME';

/**
 * The ticket cache a Kerberos login will use, from the process environment (the ODBC drivers'
 * GSSAPI client reads it there; it cannot be passed per connection). It must be set and a
 * `FILE:` cache: the sidecar publishes one, and a `KEYRING:` default is a known failure of
 * containers (the keyring is per kernel session).
 */
export function ticketCacheOf(env: NodeJS.ProcessEnv, label: string): string {
  const cache = env[TICKET_CACHE_VARIABLE];
  if (cache === undefined || cache === '') {
    throw new EnvironmentError(
      `No Kerberos ticket cache for the ${label}: ${TICKET_CACHE_VARIABLE} is not set, so the ODBC driver would look in a default cache that nobody fills.`,
      {
        hint: `Set ${TICKET_CACHE_VARIABLE}=FILE:<path> to the cache the Kerberos sidecar publishes (e.g. FILE:/var/run/datakit/krb5/ccache). Is the sidecar running?`,
      },
    );
  }
  if (!cache.startsWith('FILE:')) {
    throw new EnvironmentError(
      `The Kerberos ticket cache for the ${label} is ${cache}, not a FILE: cache.`,
      {
        hint: `Set ${TICKET_CACHE_VARIABLE}=FILE:<path> explicitly (the sidecar's cache file); KEYRING: and other collections are not shared with the datakit's process.`,
      },
    );
  }
  return cache;
}

function capitalise(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
