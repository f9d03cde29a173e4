import { describe, expect, it } from 'vitest';

import { col } from './column.ts';
import {
  formatInterval,
  formatMoney,
  formatPgDate,
  moneyCents,
  parseInterval,
  pgDateDays,
} from './pg-values.ts';

const ok = (builder: { zod: { safeParse(v: unknown): { success: boolean } } }, values: unknown[]) =>
  values.map((v) => builder.zod.safeParse(v).success);

describe('PostgreSQL value domains', () => {
  it('accepts dates as PostgreSQL prints them, BC, past 9999 and infinite, and no others', () => {
    expect(
      ok(col.date(), [
        '2022-02-14',
        '0044-03-15 BC',
        '0001-02-29 BC',
        '10000-01-01',
        'infinity',
        '-infinity',
        '4714-11-24 BC',
      ]),
    ).toEqual([true, true, true, true, true, true, true]);
    expect(
      ok(col.date(), [
        '0000-01-01',
        '2023-02-29',
        '44-03-15',
        '010000-01-01',
        '4714-11-23 BC',
        'Infinity',
        '2022-02-14T00:00',
      ]),
    ).toEqual([false, false, false, false, false, false, false]);
  });

  it('prints a date back as it was read', () => {
    for (const text of [
      '2022-02-14',
      '0044-03-15 BC',
      '0001-01-01',
      '0001-12-31 BC',
      '10000-01-01',
      'infinity',
      '-infinity',
    ]) {
      expect(formatPgDate(pgDateDays(text) as number)).toBe(text);
    }
  });

  it('accepts timestamps as Dates in range and as the infinities, with a message for the rest', () => {
    expect(
      ok(col.timestamptz(), [
        new Date(0),
        new Date(Date.UTC(-4712, 0, 1)),
        'infinity',
        '-infinity',
      ]),
    ).toEqual([true, true, true, true]);
    expect(
      ok(col.timestamp(), [
        new Date(Number.NaN),
        new Date(Date.UTC(-5000, 0, 1)),
        'Infinity',
        null,
      ]),
    ).toEqual([false, false, false, false]);
    const result = col.timestamptz().zod.safeParse(new Date(Number.NaN));
    expect(result.error?.issues[0]?.message).toMatchInlineSnapshot(
      `"expected a timestamp (a valid Date from 4714-11-24 BC, "infinity" or "-infinity"), received Invalid Date"`,
    );
  });

  it('accepts numeric NaN everywhere and infinities only unconstrained', () => {
    expect(ok(col.numeric(), ['NaN', 'Infinity', '-Infinity', '-0.000100'])).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(ok(col.numeric(5, 2), ['NaN', 'Infinity', 'nan'])).toEqual([true, false, false]);
  });

  it('keeps money to the cent within its 64-bit range', () => {
    expect(moneyCents('-92233720368547758.08')).toBe(-(2n ** 63n));
    expect(moneyCents('92233720368547758.08')).toBeUndefined();
    expect(ok(col.money(), ['0.05', '-1234.5', '12', '1.234', '$1', '1,000'])).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(formatMoney(-5n)).toBe('-0.05');
    expect(formatMoney(123400n)).toBe('1234.00');
  });

  it('accepts reals within float4 range and every double', () => {
    expect(
      ok(col.real(), [0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, 3.4028235e38, 1e-45]),
    ).toEqual([true, true, true, true, true, true]);
    expect(ok(col.real(), [1e39, 1e-46, '1'])).toEqual([false, false, false]);
    expect(ok(col.double(), [5e-324, -0, Number.NaN, Number.NEGATIVE_INFINITY, '1'])).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it('reads and prints intervals as IntervalStyle iso_8601 does, fields kept apart', () => {
    expect(parseInterval('P1Y2M3DT4H5M6.789S')).toEqual({
      months: 14,
      days: 3,
      microseconds: 14_706_789_000n,
    });
    expect(parseInterval('P1D')).not.toEqual(parseInterval('PT24H'));
    for (const text of [
      'PT0S',
      'P-10M-3DT-4H-5M-6.000001S',
      'P-178000000Y-11M',
      'PT2562047788H54.775807S',
      'P1MT-1S',
      'PT-0.000001S',
      'P1M15D',
    ]) {
      expect(formatInterval(parseInterval(text) as never)).toBe(text);
    }
    expect(ok(col.interval(), ['P', 'PT', '1 day', 'P1.5D', 'P2147483648D'])).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('keeps json text as written and checks it is JSON', () => {
    expect(ok(col.json(), ['{"a":1,  "a":2}', ' null ', '{"a":}', 1])).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('accepts inet hosts and networks, and cidr networks without host bits', () => {
    expect(
      ok(col.inet(), ['192.0.2.1/24', '::ffff:1.2.3.4', '2001:db8::1/64', '198.0.0.1/33', 'x']),
    ).toEqual([true, true, true, false, false]);
    expect(
      ok(col.cidr(), [
        '198.0.0.0/8',
        '2001:db8::/32',
        '0.0.0.0/0',
        '198.0.0.1/8',
        '198.0.0.0',
        '2001:db8::1/32',
      ]),
    ).toEqual([true, true, true, false, false, false]);
  });
});
