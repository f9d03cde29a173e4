/**
 * The opt-in lane against a real SQL Server: which server, database and logins the
 * `DATAKIT_SQLSERVER_*` environment variables name. Read by `real-server.integration.spec.ts`;
 * documented (with a recipe for Microsoft's container) in `../README.md`.
 *
 * Without `DATAKIT_SQLSERVER_HOST` the lane is off and says why; with it, every missing or
 * malformed variable is reported at once, so a half-configured lane fails instead of skipping.
 */
import { isAbsolute } from 'node:path';

import { ConfigError } from '@datakit/errors';

import { ODBC_DRIVERS } from '../config.ts';
import type { OdbcDriver, SqlServerConnection } from '../config.ts';

/** The variables of the lane, each with what it means. */
export const LANE_VARIABLES = {
  DATAKIT_SQLSERVER_HOST: 'host name of the SQL Server (turns the lane on)',
  DATAKIT_SQLSERVER_PORT: 'TCP port, default 1433',
  DATAKIT_SQLSERVER_DATABASE:
    'a database the logins may create a schema, tables and a type in (the lane creates a scratch schema and drops it)',
  DATAKIT_SQLSERVER_USER: 'SQL login (with a password variable: runs the SQL login lane)',
  DATAKIT_SQLSERVER_PASSWORD:
    "that login's password (read by the adapter as env:DATAKIT_SQLSERVER_PASSWORD)",
  DATAKIT_SQLSERVER_PASSWORD_FILE: 'or a file holding it (read as file:<path>)',
  DATAKIT_SQLSERVER_DRIVER: 'driver of the SQL login lane: tedious (default) or msnodesqlv8',
  DATAKIT_SQLSERVER_ODBC_DRIVER: `ODBC driver of msnodesqlv8: ${ODBC_DRIVERS.map((d) => `"${d}"`).join(' or ')} (default the first)`,
  DATAKIT_SQLSERVER_ENCRYPT: 'true (default) or false',
  DATAKIT_SQLSERVER_TRUST_SERVER_CERTIFICATE:
    "true or false (default): true accepts the server's certificate unchecked, as a test container's self-signed one needs",
  DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL:
    'Kerberos principal with a login on the server (with a keytab: runs the Kerberos lane over msnodesqlv8)',
  DATAKIT_SQLSERVER_KERBEROS_REALM: 'its realm, when the principal has none',
  DATAKIT_SQLSERVER_KEYTAB: 'absolute path of the keytab kinit reads for that principal',
  DATAKIT_SQLSERVER_SPN: 'service principal when it is not MSSQLSvc/<host>:<port>',
} as const;

/** One login the lane runs the adapter's statements with. */
export interface LaneLogin {
  /** `SQL login over tedious`, `Kerberos over msnodesqlv8 (FreeTDS)`, ... */
  name: string;
  connection: SqlServerConnection;
  /** For Kerberos: kinit from this keytab for this principal into a fresh cache first. */
  kinit: { principal: string; keytab: string } | undefined;
}

/** The lane as the environment configures it. */
export type Lane =
  | { enabled: false; reason: string }
  | { enabled: true; host: string; port: number; database: string; logins: LaneLogin[] };

/** Reads the lane's variables from `env` (throws a ConfigError listing every problem). */
export function realServerLane(env: NodeJS.ProcessEnv): Lane {
  const get = (name: keyof typeof LANE_VARIABLES): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const host = get('DATAKIT_SQLSERVER_HOST');
  if (host === undefined) {
    return {
      enabled: false,
      reason:
        'no real SQL Server: DATAKIT_SQLSERVER_HOST is not set (see libs/databases/src/sqlserver/README.md, "Opt-in lane against a real SQL Server")',
    };
  }
  const problems: string[] = [];
  const port = Number(get('DATAKIT_SQLSERVER_PORT') ?? '1433');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`DATAKIT_SQLSERVER_PORT is "${get('DATAKIT_SQLSERVER_PORT')}", not a TCP port`);
  }
  const database = get('DATAKIT_SQLSERVER_DATABASE');
  if (database === undefined) problems.push('DATAKIT_SQLSERVER_DATABASE is not set');
  const flag = (name: keyof typeof LANE_VARIABLES, fallback: boolean): boolean => {
    const value = get(name);
    if (value === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    problems.push(`${name} is "${value}"; expected true or false`);
    return fallback;
  };
  const encrypt = flag('DATAKIT_SQLSERVER_ENCRYPT', true);
  const trustServerCertificate = flag('DATAKIT_SQLSERVER_TRUST_SERVER_CERTIFICATE', false);
  const odbcText = get('DATAKIT_SQLSERVER_ODBC_DRIVER');
  const odbcDriver = odbcText as OdbcDriver | undefined;
  if (odbcDriver !== undefined && !ODBC_DRIVERS.includes(odbcDriver)) {
    problems.push(
      `DATAKIT_SQLSERVER_ODBC_DRIVER is "${odbcText}"; expected ${ODBC_DRIVERS.map((d) => `"${d}"`).join(' or ')}`,
    );
  }
  const common = {
    kind: 'sqlserver' as const,
    host,
    port,
    database: database ?? '',
    encrypt,
    trustServerCertificate,
  };
  const logins: LaneLogin[] = [];

  const user = get('DATAKIT_SQLSERVER_USER');
  const passwordFile = get('DATAKIT_SQLSERVER_PASSWORD_FILE');
  const hasPassword = env['DATAKIT_SQLSERVER_PASSWORD'] !== undefined || passwordFile !== undefined;
  if (user !== undefined || hasPassword) {
    if (user === undefined) problems.push('a password is set but DATAKIT_SQLSERVER_USER is not');
    if (!hasPassword) {
      problems.push(
        'DATAKIT_SQLSERVER_USER is set but neither DATAKIT_SQLSERVER_PASSWORD nor DATAKIT_SQLSERVER_PASSWORD_FILE is',
      );
    }
    if (passwordFile !== undefined && !isAbsolute(passwordFile)) {
      problems.push(`DATAKIT_SQLSERVER_PASSWORD_FILE is "${passwordFile}", not an absolute path`);
    }
    const driverText = get('DATAKIT_SQLSERVER_DRIVER') ?? 'tedious';
    if (driverText !== 'tedious' && driverText !== 'msnodesqlv8') {
      problems.push(`DATAKIT_SQLSERVER_DRIVER is "${driverText}"; expected tedious or msnodesqlv8`);
    }
    const driver = driverText === 'msnodesqlv8' ? 'msnodesqlv8' : 'tedious';
    logins.push({
      name:
        driver === 'tedious'
          ? 'SQL login over tedious'
          : `SQL login over msnodesqlv8 (${odbcDriver ?? ODBC_DRIVERS[0]})`,
      connection: {
        ...common,
        auth: 'sql',
        user: user ?? '',
        password:
          passwordFile === undefined
            ? { kind: 'env', name: 'DATAKIT_SQLSERVER_PASSWORD' }
            : { kind: 'file', path: passwordFile },
        driver,
        ...(driver === 'msnodesqlv8' && odbcDriver !== undefined ? { odbcDriver } : {}),
      },
      kinit: undefined,
    });
  }

  const principalText = get('DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL');
  const realm = get('DATAKIT_SQLSERVER_KERBEROS_REALM');
  const keytab = get('DATAKIT_SQLSERVER_KEYTAB');
  if (principalText !== undefined || keytab !== undefined || realm !== undefined) {
    if (principalText === undefined) {
      problems.push('a Kerberos variable is set but DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL is not');
    }
    if (keytab === undefined) problems.push('DATAKIT_SQLSERVER_KEYTAB is not set');
    else if (!isAbsolute(keytab)) {
      problems.push(`DATAKIT_SQLSERVER_KEYTAB is "${keytab}", not an absolute path`);
    }
    let principal = principalText ?? '';
    if (principalText !== undefined && !principalText.includes('@')) {
      if (realm === undefined) {
        problems.push(
          `DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL "${principalText}" has no realm and DATAKIT_SQLSERVER_KERBEROS_REALM is not set`,
        );
      } else principal = `${principalText}@${realm}`;
    }
    const spn = get('DATAKIT_SQLSERVER_SPN');
    if (spn !== undefined && !/^MSSQLSvc\/[^\s@]+$/.test(spn)) {
      problems.push(`DATAKIT_SQLSERVER_SPN is "${spn}"; expected MSSQLSvc/<host>:<port>`);
    }
    logins.push({
      name: `Kerberos over msnodesqlv8 (${odbcDriver ?? ODBC_DRIVERS[0]})`,
      connection: {
        ...common,
        auth: 'kerberos',
        driver: 'msnodesqlv8',
        ...(odbcDriver !== undefined ? { odbcDriver } : {}),
        ...(spn !== undefined ? { serverSpn: spn } : {}),
      },
      kinit: { principal, keytab: keytab ?? '' },
    });
  }
  if (logins.length === 0) {
    problems.push(
      'no login: set DATAKIT_SQLSERVER_USER with DATAKIT_SQLSERVER_PASSWORD (or _PASSWORD_FILE), or DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL with DATAKIT_SQLSERVER_KEYTAB, or both',
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `The real SQL Server lane is on (DATAKIT_SQLSERVER_HOST=${host}) but cannot run: ${problems.join('; ')}.`,
      {
        hint: `Its variables: ${Object.keys(LANE_VARIABLES).join(', ')} (libs/databases/src/sqlserver/README.md). Unset DATAKIT_SQLSERVER_HOST to skip the lane.`,
      },
    );
  }
  return { enabled: true, host, port, database: database ?? '', logins };
}
