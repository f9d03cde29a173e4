import { ConfigError, EnvironmentError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import {
  freeTdsValue,
  microsoftOdbcValue,
  mssqlConfig,
  normalizeSqlServerConnection,
  odbcConnectionString,
  ticketCacheOf,
} from './config.ts';
import type { SqlServerConnection } from './config.ts';

const kerberos: SqlServerConnection = {
  kind: 'sqlserver',
  host: 'sql01.corp.example',
  port: 1433,
  database: 'Sales',
  auth: 'kerberos',
  driver: 'msnodesqlv8',
  encrypt: true,
  trustServerCertificate: false,
};

const sqlLogin: SqlServerConnection = {
  ...kerberos,
  auth: 'sql',
  driver: 'tedious',
  user: 'loader',
  password: { kind: 'file', path: '/run/secrets/sql/password' },
};

describe('odbcConnectionString', () => {
  it('builds the ODBC Driver 18 string for Kerberos with Trusted_Connection and no user', () => {
    expect(odbcConnectionString(normalizeSqlServerConnection(kerberos), undefined)).toBe(
      'Driver={ODBC Driver 18 for SQL Server};Server=sql01.corp.example,1433;Database=Sales;Trusted_Connection=yes;Encrypt=yes;TrustServerCertificate=no;APP=datakit;',
    );
  });

  it('builds the FreeTDS string with TDS 7.4, UTF-8 and Trusted_Connection for GSSAPI', () => {
    const settings = normalizeSqlServerConnection({
      ...kerberos,
      host: 'localhost',
      odbcDriver: 'FreeTDS',
      trustServerCertificate: true,
    });
    expect(odbcConnectionString(settings, undefined)).toBe(
      'Driver={FreeTDS};Server=localhost;Port=1433;Database=Sales;TDS_Version=7.4;ClientCharset=UTF-8;TextSize=2147483647;Encryption=require;Trusted_Connection=Yes;APP=datakit;',
    );
  });

  it('names a named instance instead of the port', () => {
    const settings = normalizeSqlServerConnection({ ...kerberos, instance: 'REPORTING' });
    expect(odbcConnectionString(settings, undefined)).toContain(
      'Server=sql01.corp.example\\REPORTING;',
    );
    expect(settings.serverSpn).toBe('MSSQLSvc/sql01.corp.example:REPORTING');
  });

  it('passes a configured service principal as ServerSPN', () => {
    const settings = normalizeSqlServerConnection({
      ...kerberos,
      serverSpn: 'MSSQLSvc/sqlalias.corp.example:1433',
    });
    expect(odbcConnectionString(settings, undefined)).toContain(
      'ServerSPN=MSSQLSvc/sqlalias.corp.example:1433;',
    );
  });

  it('puts a SQL login into UID and PWD, braced when the password holds ; { } or =', () => {
    const settings = normalizeSqlServerConnection({ ...sqlLogin, driver: 'msnodesqlv8' });
    expect(odbcConnectionString(settings, 'p;a}ss={x')).toContain('UID=loader;PWD={p;a}}ss={x};');
  });

  it('keeps the password out of the redacted string', () => {
    const settings = normalizeSqlServerConnection({ ...sqlLogin, driver: 'msnodesqlv8' });
    const config = mssqlConfig(settings, 'secret-value');
    expect(config.driver).toBe('msnodesqlv8');
    if (config.driver !== 'msnodesqlv8') return;
    expect(config.config.connectionString).toContain('PWD=secret-value;');
    expect(config.redactedConnectionString).toContain('PWD=***;');
    expect(config.redactedConnectionString).not.toContain('secret-value');
  });
});

describe('quoting of ODBC values', () => {
  it('leaves plain values alone', () => {
    expect(microsoftOdbcValue('Sales')).toBe('Sales');
    expect(freeTdsValue('Sales')).toBe('Sales');
  });

  it('braces values with ; { } = or outer blanks, doubling } for Microsoft drivers', () => {
    expect(microsoftOdbcValue('a;b')).toBe('{a;b}');
    expect(microsoftOdbcValue('a}b')).toBe('{a}}b}');
    expect(microsoftOdbcValue('{x}')).toBe('{{x}}}');
    expect(microsoftOdbcValue('a=b')).toBe('{a=b}');
    expect(microsoftOdbcValue(' lead')).toBe('{ lead}');
  });

  it('braces without doubling for FreeTDS, which reads a braced value up to the first };', () => {
    expect(freeTdsValue('a;b')).toBe('{a;b}');
    expect(freeTdsValue('a}b')).toBe('{a}b}');
  });

  it('refuses for FreeTDS a value holding };, which its parser cannot read', () => {
    expect(() => freeTdsValue('a};b')).toThrow(ConfigError);
  });
});

describe('normalizeSqlServerConnection', () => {
  it('refuses Kerberos over tedious, naming what to use instead', () => {
    expect(() => normalizeSqlServerConnection({ ...kerberos, driver: 'tedious' })).toThrow(
      /driver "tedious" has no Kerberos \(GSSAPI\) client.*use driver "msnodesqlv8"/,
    );
  });

  it('reports every problem of a connection at once', () => {
    let error: unknown;
    try {
      normalizeSqlServerConnection({
        ...kerberos,
        auth: 'sql',
        driver: 'tedious',
        odbcDriver: 'FreeTDS',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"The SQL Server connection to sql01.corp.example cannot be used: auth "sql" needs user (the SQL login); auth "sql" needs password (a secret reference such as file:/run/secrets/…); odbcDriver "FreeTDS" applies to driver "msnodesqlv8" only."`,
    );
  });

  it('refuses FreeTDS with certificate verification, which it cannot do from a connection string', () => {
    expect(() => normalizeSqlServerConnection({ ...kerberos, odbcDriver: 'FreeTDS' })).toThrow(
      /cannot verify the server certificate/,
    );
  });

  it('refuses a user or password on a Kerberos connection', () => {
    expect(() => normalizeSqlServerConnection({ ...kerberos, user: 'loader' })).toThrow(
      /logs in as the principal of the ticket cache/,
    );
  });
});

describe('mssqlConfig', () => {
  it('gives tedious the SQL login, TLS settings and no request timeout', () => {
    const config = mssqlConfig(normalizeSqlServerConnection(sqlLogin), 'pw');
    expect(config).toMatchObject({
      driver: 'tedious',
      config: {
        server: 'sql01.corp.example',
        port: 1433,
        database: 'Sales',
        user: 'loader',
        password: 'pw',
        requestTimeout: 0,
        options: { encrypt: true, trustServerCertificate: false, appName: 'datakit' },
      },
    });
  });

  it('gives tedious the instance name and no port for a named instance', () => {
    const config = mssqlConfig(
      normalizeSqlServerConnection({ ...sqlLogin, instance: 'REPORTING' }),
      'pw',
    );
    expect(config.config.port).toBeUndefined();
    expect(config.config.options?.instanceName).toBe('REPORTING');
  });
});

describe('ticketCacheOf', () => {
  it('returns a FILE: cache', () => {
    expect(ticketCacheOf({ KRB5CCNAME: 'FILE:/tmp/cc' }, 'source database x')).toBe('FILE:/tmp/cc');
  });

  it('refuses a missing KRB5CCNAME as an environment problem', () => {
    expect(() => ticketCacheOf({}, 'source database x')).toThrow(EnvironmentError);
    expect(() => ticketCacheOf({}, 'source database x')).toThrow(/KRB5CCNAME is not set/);
  });

  it('refuses a KEYRING: cache', () => {
    expect(() => ticketCacheOf({ KRB5CCNAME: 'KEYRING:persistent:0' }, 'x')).toThrow(
      /not a FILE: cache/,
    );
  });
});
