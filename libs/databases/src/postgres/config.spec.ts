import { describe, expect, it } from 'vitest';

import { kerberosConninfo, quoteConninfoValue } from './config.ts';

const connection = {
  kind: 'postgres' as const,
  host: 'localhost',
  port: 5432,
  database: 'pagila',
  user: 'kerberos_reader',
  auth: 'kerberos' as const,
  schema: 'public',
  sslMode: 'prefer' as const,
};

describe('kerberosConninfo', () => {
  it('keeps the host name for the service principal and connects to the resolved address', () => {
    expect(kerberosConninfo(connection, '127.0.0.1')).toBe(
      "host='localhost' hostaddr='127.0.0.1' port='5432' dbname='pagila' user='kerberos_reader' " +
        "krbsrvname='postgres' gssencmode='prefer' sslmode='prefer' connect_timeout='10' " +
        "application_name='datakit' options='-c TimeZone=UTC'",
    );
  });

  it('never carries a password', () => {
    expect(kerberosConninfo({ ...connection, sslMode: 'verify-full' }, '127.0.0.2')).not.toMatch(
      /password/,
    );
  });

  it('passes the TLS mode through under libpq’s own names', () => {
    expect(kerberosConninfo({ ...connection, sslMode: 'verify-full' }, '::1')).toContain(
      "sslmode='verify-full'",
    );
  });
});

describe('quoteConninfoValue', () => {
  it('escapes quotes and backslashes', () => {
    expect(quoteConninfoValue(String.raw`it's a\b`)).toBe(String.raw`'it\'s a\\b'`);
  });
});
