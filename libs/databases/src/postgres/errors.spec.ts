import { describe, expect, it } from 'vitest';

import { kerberosFailureKind, kerberosLoginError } from './errors.ts';

// Messages as libpq 15 prints them (seen against the local PostgreSQL and KDC).
const NO_TICKET =
  'connection to server at "localhost" (127.0.0.1), port 5432 failed: GSSAPI continuation error: No credentials were supplied, or the credentials were unavailable or inaccessible: No Kerberos credentials available (default cache: FILE:/var/run/datakit/krb5/ccache)';
const REFUSED =
  'connection to server at "localhost" (127.0.0.1), port 5432 failed: FATAL:  GSSAPI authentication failed for user "kerberos_reader"';
const context = {
  label: 'source database pagila at localhost:5432 as kerberos_reader',
  ticketCache: 'FILE:/var/run/datakit/krb5/ccache',
  host: 'localhost',
  user: 'kerberos_reader',
};

describe('kerberosFailureKind', () => {
  it.each([
    [NO_TICKET, 'no-ticket'],
    [
      'GSSAPI continuation error: Unspecified GSS failure. Minor code may provide more information: Ticket expired',
      'no-ticket',
    ],
    [REFUSED, 'principal-refused'],
    [
      'GSSAPI continuation error: Unspecified GSS failure. Minor code may provide more information: Server postgres/db.example@DATAKIT.TEST not found in Kerberos database',
      'unknown-service',
    ],
    [
      "GSSAPI continuation error: Unspecified GSS failure. Minor code may provide more information: Cannot contact any KDC for realm 'DATAKIT.TEST'",
      'kdc-unreachable',
    ],
    ['GSSAPI continuation error: Clock skew too great', 'clock-skew'],
    ['fe_sendauth: no password supplied', 'password-asked'],
    ['GSSAPI continuation error: Unspecified GSS failure', 'gssapi'],
    [
      'connection to server at "localhost" (127.0.0.1), port 5433 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
      'unreachable',
    ],
    ['FATAL:  database "nope" does not exist', 'no-database'],
    ['something else entirely', 'other'],
  ])('reads %j as %s', (message, kind) => {
    expect(kerberosFailureKind(message)).toBe(kind);
  });
});

describe('kerberosLoginError', () => {
  it('points a missing ticket at the cache and the sidecar, not at the database', () => {
    const error = kerberosLoginError(context, new Error(NO_TICKET));
    expect(error.exitCode).toBe(5);
    expect(error.message).toMatchInlineSnapshot(
      `"No valid Kerberos ticket in FILE:/var/run/datakit/krb5/ccache for the source database pagila at localhost:5432 as kerberos_reader: connection to server at "localhost" (127.0.0.1), port 5432 failed: GSSAPI continuation error: No credentials were supplied, or the credentials were unavailable or inaccessible: No Kerberos credentials available (default cache: FILE:/var/run/datakit/krb5/ccache)."`,
    );
    expect(error.hint).toMatch(/^Is the Kerberos sidecar ready\?/);
  });

  it('points a refused principal at the principal and the server’s map', () => {
    const error = kerberosLoginError(context, new Error(REFUSED));
    expect(error.message).toMatch(/^The source database .* refused the Kerberos principal/);
    expect(error.hint).toContain('kerberos.principal');
    expect(error.hint).toContain('pg_ident.conf');
  });

  it('names the database only when the database is the cause', () => {
    const error = kerberosLoginError(
      context,
      new Error('FATAL:  database "pagila" does not exist'),
    );
    expect(error.message).not.toMatch(/Kerberos/);
    expect(error.hint).toBe('Check the database name in the config file.');
  });
});
