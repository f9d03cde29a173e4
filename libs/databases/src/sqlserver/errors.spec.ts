import type { DatakitError } from '@datakit/errors';
import { DriftError, EnvironmentError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import { convertSqlServerError } from './errors.ts';
import type { FailureContext } from './errors.ts';

const sqlLogin: FailureContext = {
  label: 'source database Sales at sql01:1433 as loader',
  kerberos: undefined,
  database: 'Sales',
  phase: 'connect',
};

const kerberos: FailureContext = {
  label: 'source database Sales at sql01:1433 with the Kerberos ticket in FILE:/tmp/cc',
  kerberos: { ticketCache: 'FILE:/tmp/cc', servicePrincipal: 'MSSQLSvc/sql01:1433' },
  database: 'Sales',
  phase: 'connect',
};

/** An error as mssql's tedious pool rejects it: ConnectionError with tedious' as originalError. */
function tediousError(message: string, code: string, extra: Record<string, unknown> = {}): Error {
  const original = Object.assign(new Error(message), { code, ...extra });
  return Object.assign(new Error(message), {
    name: 'ConnectionError',
    code,
    originalError: original,
  });
}

/** An error as mssql's msnodesqlv8 pool rejects it: the last ODBC record's message and native code. */
function odbcError(message: string, code: number): Error {
  return Object.assign(new Error(message), { name: 'ConnectionError', code });
}

function text(error: DatakitError): string {
  return `${error.message}\n${error.hint ?? ''}`;
}

describe('convertSqlServerError', () => {
  it('turns a refused SQL login (18456) into an environment error about the password', () => {
    const error = convertSqlServerError(
      tediousError("Login failed for user 'loader'.", 'ELOGIN'),
      sqlLogin,
      [{ number: 18456, message: "Login failed for user 'loader'." }],
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(text(error)).toMatchInlineSnapshot(`
      "SQL Server refused the login to the source database Sales at sql01:1433 as loader (error 18456: Login failed for user 'loader').
      Check that the password secret holds the current password of that SQL login, that the login exists and is enabled, and that the server allows SQL Server authentication (mixed mode)."
    `);
  });

  it('tells a missing database (4060 before 18456) from a wrong password', () => {
    const error = convertSqlServerError(
      tediousError("Login failed for user 'loader'.", 'ELOGIN'),
      sqlLogin,
      [
        {
          number: 4060,
          message: 'Cannot open database "Sales" requested by the login. The login failed.',
        },
        { number: 18456, message: "Login failed for user 'loader'." },
      ],
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/has no database "Sales" the login may open.*error 4060/);
  });

  it('reads the native error number of an ODBC driver', () => {
    const error = convertSqlServerError(
      odbcError(
        '[FreeTDS][SQL Server]Cannot open database "Sales" requested by the login. The login failed.',
        4060,
      ),
      sqlLogin,
    );
    expect(error.message).toMatch(/has no database "Sales"/);
    expect(error.message).not.toMatch(/\[FreeTDS\]/);
  });

  it('explains an untrusted domain (18452) in Kerberos terms', () => {
    const error = convertSqlServerError(
      odbcError(
        '[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.',
        18452,
      ),
      kerberos,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(text(error)).toMatch(/error 18452.*untrusted domain/);
    expect(error.hint).toMatch(/SPN/);
  });

  it('names the service principal when the KDC does not know it', () => {
    const error = convertSqlServerError(
      odbcError(
        '[Microsoft][ODBC Driver 18 for SQL Server]SSPI Provider: Server not found in Kerberos database',
        851968,
      ),
      kerberos,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(text(error)).toMatchInlineSnapshot(`
      "The Kerberos KDC does not know the service principal MSSQLSvc/sql01:1433 of the source database Sales at sql01:1433 with the Kerberos ticket in FILE:/tmp/cc ("Server not found in Kerberos database"), so no service ticket can be had for it.
      Register the SPN for the SQL Server service account (setspn -S MSSQLSvc/sql01:1433 <account>), or connect with the host name the SPN uses; serverSpn names another one."
    `);
  });

  it('talks about the ticket and the sidecar when there is no ticket', () => {
    const error = convertSqlServerError(
      odbcError(
        '[Microsoft][ODBC Driver 18 for SQL Server]SSPI Provider: No Kerberos credentials available (default cache: FILE:/tmp/cc)',
        851968,
      ),
      kerberos,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(
      /^No valid Kerberos ticket in FILE:\/tmp\/cc for the source database Sales/,
    );
    expect(error.hint).toMatch(/Is the Kerberos sidecar ready\?/);
  });

  it('says when the ticket has expired', () => {
    const error = convertSqlServerError(
      odbcError('SSPI Provider: Ticket expired', 851968),
      kerberos,
    );
    expect(error.message).toMatch(/the cache has expired/);
  });

  it('turns a refused certificate into advice about the CA, not trustServerCertificate first', () => {
    const error = convertSqlServerError(
      tediousError('Failed to connect to sql01:1433 - self-signed certificate', 'ESOCKET'),
      sqlLogin,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/TLS certificate of the SQL Server .* was refused/);
    expect(error.hint).toMatch(/^Give the client the CA that issued the server certificate/);
  });

  it("leaves Node's --use-system-ca advice to the hint", () => {
    const error = convertSqlServerError(
      tediousError(
        'Failed to connect to sql01:1433 - self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
        'ESOCKET',
      ),
      sqlLogin,
    );
    expect(error.message).toBe(
      'The TLS certificate of the SQL Server for the source database Sales at sql01:1433 as loader was refused (Failed to connect to sql01:1433 - self-signed certificate).',
    );
    expect(error.hint).toMatch(/NODE_OPTIONS=--use-system-ca/);
  });

  it('recognises the ODBC driver certificate failure', () => {
    const error = convertSqlServerError(
      odbcError(
        '[Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL routines::certificate verify failed:self-signed certificate]',
        -1,
      ),
      sqlLogin,
    );
    expect(error.message).toMatch(/TLS certificate/);
  });

  it('says a server is unreachable for tedious socket errors, timeouts and FreeTDS 20009', () => {
    for (const cause of [
      tediousError(
        'Failed to connect to sql01:1433 - connect ECONNREFUSED 127.0.0.1:1433',
        'ESOCKET',
      ),
      tediousError('Failed to connect to sql01:1433 in 15000ms', 'ETIMEOUT'),
      odbcError(
        '[FreeTDS][SQL Server]Unable to connect: Adaptive Server is unavailable or does not exist',
        20009,
      ),
      odbcError('[Microsoft][ODBC Driver 18 for SQL Server]Login timeout expired', 0),
    ]) {
      const error = convertSqlServerError(cause, sqlLogin);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toMatch(
        /^The SQL Server for the source database Sales at sql01:1433 as loader cannot be reached/,
      );
    }
  });

  it('reports a missing table during a read as drift', () => {
    const cause = Object.assign(new Error("Invalid object name 'sales.orders'."), {
      name: 'RequestError',
      code: 'EREQUEST',
      number: 208,
    });
    const error = convertSqlServerError(cause, { ...sqlLogin, phase: 'query' });
    expect(error).toBeInstanceOf(DriftError);
  });

  it('words any other failure to connect as an environment error', () => {
    const error = convertSqlServerError(tediousError('boom', 'EUNKNOWN'), sqlLogin);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(
      'Cannot open the source database Sales at sql01:1433 as loader: boom.',
    );
  });

  it('keeps platform errors as they are', () => {
    const original = new DriftError('drift');
    expect(convertSqlServerError(original, sqlLogin)).toBe(original);
  });
});
