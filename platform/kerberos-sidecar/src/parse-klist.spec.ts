import { describe, expect, it } from 'vitest';
import { findTgt, parseKlist, parseKlistTime } from './parse-klist.ts';

const RENEWABLE = `Ticket cache: FILE:/var/run/datakit/krb5/ccache
Default principal: datakit-loader@DATAKIT.TEST

Valid starting     Expires            Service principal
11/23/26 02:37:16  11/23/26 12:37:16  krbtgt/DATAKIT.TEST@DATAKIT.TEST
\trenew until 11/24/26 02:37:16
11/23/26 02:40:00  11/23/26 12:37:16  postgres/localhost@DATAKIT.TEST
\trenew until 11/24/26 02:37:16
`;

const NOT_RENEWABLE = `Ticket cache: FILE:/tmp/cc
Default principal: datakit-loader@DATAKIT.TEST

Valid starting     Expires            Service principal
11/23/26 02:37:16  11/23/26 02:39:16  krbtgt/DATAKIT.TEST@DATAKIT.TEST
`;

describe('parseKlist', () => {
  it('reads the default principal of the cache', () => {
    expect(parseKlist(RENEWABLE).principal).toBe('datakit-loader@DATAKIT.TEST');
  });

  it('reads every ticket with its start, expiry and renew-until as UTC', () => {
    expect(parseKlist(RENEWABLE).tickets).toEqual([
      {
        service: 'krbtgt/DATAKIT.TEST@DATAKIT.TEST',
        startsAt: Date.UTC(2026, 10, 23, 2, 37, 16),
        expiresAt: Date.UTC(2026, 10, 23, 12, 37, 16),
        renewUntil: Date.UTC(2026, 10, 24, 2, 37, 16),
      },
      {
        service: 'postgres/localhost@DATAKIT.TEST',
        startsAt: Date.UTC(2026, 10, 23, 2, 40, 0),
        expiresAt: Date.UTC(2026, 10, 23, 12, 37, 16),
        renewUntil: Date.UTC(2026, 10, 24, 2, 37, 16),
      },
    ]);
  });

  it('reads the renew-until time when klist -f appends the flags', () => {
    const withFlags = RENEWABLE.replace(
      'renew until 11/24/26 02:37:16\n',
      'renew until 11/24/26 02:37:16, Flags: RI\n',
    );
    expect(parseKlist(withFlags).tickets[0]?.renewUntil).toBe(Date.UTC(2026, 10, 24, 2, 37, 16));
  });

  it('leaves renew-until undefined for a ticket that is not renewable', () => {
    expect(parseKlist(NOT_RENEWABLE).tickets[0]?.renewUntil).toBeUndefined();
  });

  it('rejects text without a default principal', () => {
    expect(() => parseKlist('klist: No credentials cache found (filename: /tmp/x)\n')).toThrow(
      'no default principal',
    );
  });
});

describe('findTgt', () => {
  it('returns the times of the ticket-granting ticket of the principal’s realm', () => {
    expect(findTgt(parseKlist(RENEWABLE))).toEqual({
      principal: 'datakit-loader@DATAKIT.TEST',
      startsAt: Date.UTC(2026, 10, 23, 2, 37, 16),
      expiresAt: Date.UTC(2026, 10, 23, 12, 37, 16),
      renewUntil: Date.UTC(2026, 10, 24, 2, 37, 16),
    });
  });

  it('returns undefined when the cache holds only service tickets', () => {
    const serviceOnly = RENEWABLE.replace(
      'krbtgt/DATAKIT.TEST@DATAKIT.TEST',
      'HTTP/web@DATAKIT.TEST',
    );
    expect(
      findTgt(parseKlist(serviceOnly.replace('postgres/localhost', 'HTTP/db'))),
    ).toBeUndefined();
  });
});

describe('parseKlistTime', () => {
  it('accepts a four-digit year', () => {
    expect(parseKlistTime('01/02/2027 03:04:05')).toBe(Date.UTC(2027, 0, 2, 3, 4, 5));
  });

  it('rejects a time in another format', () => {
    expect(() => parseKlistTime('2026-11-23T02:37:16')).toThrow('not a klist time');
  });
});
