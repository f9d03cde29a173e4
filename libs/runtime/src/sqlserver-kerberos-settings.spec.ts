import { describe, expect, it } from 'vitest';

import { odbcValue, sqlServerKerberosSettings } from './sqlserver-kerberos-settings.ts';

const connection = {
  kind: 'sqlserver' as const,
  host: 'sql01.corp.example',
  port: 1433,
  database: 'Sales',
  auth: 'kerberos' as const,
  driver: 'msnodesqlv8' as const,
  encrypt: true,
  trustServerCertificate: false,
};
const ticket = { ticketCache: 'FILE:/var/run/datakit/krb5/ccache' };

describe('sqlServerKerberosSettings', () => {
  it('gives ODBC Driver 18 a trusted connection and the sidecar’s ticket cache', () => {
    expect(sqlServerKerberosSettings(connection, ticket)).toEqual({
      driver: 'msnodesqlv8',
      connectionString:
        'Driver={ODBC Driver 18 for SQL Server};Server=sql01.corp.example,1433;Database=Sales;Trusted_Connection=yes;Encrypt=yes;TrustServerCertificate=no;APP=datakit;',
      environment: { KRB5CCNAME: 'FILE:/var/run/datakit/krb5/ccache' },
      servicePrincipal: 'MSSQLSvc/sql01.corp.example:1433',
    });
  });

  it('addresses a named instance by name and passes krb5.conf along', () => {
    const settings = sqlServerKerberosSettings(
      { ...connection, instance: 'DWH', encrypt: false, trustServerCertificate: true },
      { ...ticket, krb5Config: '/etc/datakit/krb5.conf' },
    );
    expect(settings.connectionString).toBe(
      'Driver={ODBC Driver 18 for SQL Server};Server=sql01.corp.example\\DWH;Database=Sales;Trusted_Connection=yes;Encrypt=no;TrustServerCertificate=yes;APP=datakit;',
    );
    expect(settings.environment).toEqual({
      KRB5CCNAME: 'FILE:/var/run/datakit/krb5/ccache',
      KRB5_CONFIG: '/etc/datakit/krb5.conf',
    });
    expect(settings.servicePrincipal).toBe('MSSQLSvc/sql01.corp.example:DWH');
  });

  it('never carries a user or a password', () => {
    expect(sqlServerKerberosSettings(connection, ticket).connectionString).not.toMatch(
      /UID=|PWD=|User|Password/i,
    );
  });

  it('braces a database name that would break the string', () => {
    expect(
      sqlServerKerberosSettings({ ...connection, database: 'a;b}' }, ticket).connectionString,
    ).toContain('Database={a;b}}};');
  });

  it('refuses tedious, which has no Kerberos, and says what to use', () => {
    expect(() =>
      sqlServerKerberosSettings({ ...connection, driver: 'tedious' }, ticket),
    ).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: The SQL Server connection to sql01.corp.example asks for Kerberos with driver "tedious", which has no Kerberos (GSSAPI) support: it speaks SQL logins, NTLM with a password and Microsoft Entra ID only.]`,
    );
  });

  it('refuses a SQL login connection', () => {
    expect(() => sqlServerKerberosSettings({ ...connection, auth: 'sql' }, ticket)).toThrow(
      /uses auth "sql", not "kerberos"/,
    );
  });
});

describe('odbcValue', () => {
  it('leaves plain values alone and braces special ones', () => {
    expect(odbcValue('Sales')).toBe('Sales');
    expect(odbcValue('x=y')).toBe('{x=y}');
  });
});
