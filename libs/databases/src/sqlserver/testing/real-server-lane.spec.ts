import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import { realServerLane } from './real-server-lane.ts';

describe('realServerLane', () => {
  it('is off, with the reason and where to read more, without DATAKIT_SQLSERVER_HOST', () => {
    expect(realServerLane({ DATAKIT_SQLSERVER_USER: 'sa' })).toEqual({
      enabled: false,
      reason:
        'no real SQL Server: DATAKIT_SQLSERVER_HOST is not set (see libs/databases/src/sqlserver/README.md, "Opt-in lane against a real SQL Server")',
    });
  });

  it('runs a SQL login over tedious, the password read by the adapter from its variable', () => {
    const lane = realServerLane({
      DATAKIT_SQLSERVER_HOST: '127.0.0.1',
      DATAKIT_SQLSERVER_DATABASE: 'lane',
      DATAKIT_SQLSERVER_USER: 'sa',
      DATAKIT_SQLSERVER_PASSWORD: 'Secret-1',
      DATAKIT_SQLSERVER_TRUST_SERVER_CERTIFICATE: 'true',
    });
    expect(lane).toEqual({
      enabled: true,
      host: '127.0.0.1',
      port: 1433,
      database: 'lane',
      logins: [
        {
          name: 'SQL login over tedious',
          connection: {
            kind: 'sqlserver',
            host: '127.0.0.1',
            port: 1433,
            database: 'lane',
            encrypt: true,
            trustServerCertificate: true,
            auth: 'sql',
            user: 'sa',
            password: { kind: 'env', name: 'DATAKIT_SQLSERVER_PASSWORD' },
            driver: 'tedious',
          },
          kinit: undefined,
        },
      ],
    });
    expect(JSON.stringify(lane)).not.toContain('Secret-1');
  });

  it('adds a Kerberos login over msnodesqlv8, the realm appended to the principal', () => {
    const lane = realServerLane({
      DATAKIT_SQLSERVER_HOST: 'sql01.corp.example',
      DATAKIT_SQLSERVER_PORT: '14330',
      DATAKIT_SQLSERVER_DATABASE: 'lane',
      DATAKIT_SQLSERVER_ODBC_DRIVER: 'FreeTDS',
      DATAKIT_SQLSERVER_TRUST_SERVER_CERTIFICATE: 'yes',
      DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL: 'loader',
      DATAKIT_SQLSERVER_KERBEROS_REALM: 'CORP.EXAMPLE',
      DATAKIT_SQLSERVER_KEYTAB: '/run/secrets/loader.keytab',
      DATAKIT_SQLSERVER_SPN: 'MSSQLSvc/sql01.corp.example:14330',
    });
    if (!lane.enabled) throw new Error(lane.reason);
    expect(lane.logins).toEqual([
      {
        name: 'Kerberos over msnodesqlv8 (FreeTDS)',
        connection: expect.objectContaining({
          port: 14330,
          auth: 'kerberos',
          driver: 'msnodesqlv8',
          odbcDriver: 'FreeTDS',
          serverSpn: 'MSSQLSvc/sql01.corp.example:14330',
        }),
        kinit: { principal: 'loader@CORP.EXAMPLE', keytab: '/run/secrets/loader.keytab' },
      },
    ]);
  });

  it('fails, listing every problem, when the lane is on but half configured', () => {
    const error = (() => {
      try {
        realServerLane({
          DATAKIT_SQLSERVER_HOST: 'localhost',
          DATAKIT_SQLSERVER_PORT: 'x',
          DATAKIT_SQLSERVER_USER: 'sa',
          DATAKIT_SQLSERVER_ENCRYPT: 'maybe',
          DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL: 'loader',
          DATAKIT_SQLSERVER_KEYTAB: 'loader.keytab',
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"The real SQL Server lane is on (DATAKIT_SQLSERVER_HOST=localhost) but cannot run: DATAKIT_SQLSERVER_PORT is "x", not a TCP port; DATAKIT_SQLSERVER_DATABASE is not set; DATAKIT_SQLSERVER_ENCRYPT is "maybe"; expected true or false; DATAKIT_SQLSERVER_USER is set but neither DATAKIT_SQLSERVER_PASSWORD nor DATAKIT_SQLSERVER_PASSWORD_FILE is; DATAKIT_SQLSERVER_KEYTAB is "loader.keytab", not an absolute path; DATAKIT_SQLSERVER_KERBEROS_PRINCIPAL "loader" has no realm and DATAKIT_SQLSERVER_KERBEROS_REALM is not set."`,
    );
  });

  it('fails when the lane is on without any login', () => {
    expect(() =>
      realServerLane({ DATAKIT_SQLSERVER_HOST: 'localhost', DATAKIT_SQLSERVER_DATABASE: 'lane' }),
    ).toThrow(/no login: set DATAKIT_SQLSERVER_USER/);
  });
});
