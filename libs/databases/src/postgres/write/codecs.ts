import { FIRST_TIMESTAMP_MS, civilFromDays, daysFromCivil } from '@datakit/contracts';
import type { ColumnMeta } from '@datakit/contracts';

import { COPY_NULL, escapeCopyText } from './copy-text.ts';

/**
 * How one column's values cross the wire: `decode` turns PostgreSQL's text output (DateStyle
 * ISO, TimeZone UTC, bytea hex, IntervalStyle iso_8601, lc_monetary C, extra_float_digits 1:
 * see {@link SESSION_SETTINGS}) into the value the contract validates (a `Date` for timestamps,
 * a string for numeric, a `bigint` for bigint...); `encode` turns a contract value into one
 * escaped COPY text field. A value that cannot be decoded is passed on as is, so validation
 * rejects it with the contract's own message.
 */
export interface Codec {
  decode(text: string): unknown;
  /**
   * `decode` of `text.slice(start, end)` without making that string first: the loader reads
   * fields in place from a chunk of COPY text (a field with no escape in it, never `\N`).
   */
  decodeRange(text: string, start: number, end: number): unknown;
  encode(value: unknown): string;
}

/**
 * The settings both sides of a load run their sessions with, on which the codecs rely: every
 * value prints exactly (floats in their shortest exact form) and in one spelling.
 */
export const SESSION_SETTINGS =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; " +
  "SET IntervalStyle = 'iso_8601'; SET lc_monetary = 'C'; SET extra_float_digits = 1";

/** The codec for a column's kind. */
export function codecFor(meta: ColumnMeta): Codec {
  switch (meta.kind) {
    case 'smallint':
    case 'integer':
      return { decode: decodeInteger, decodeRange: decodeIntegerRange, encode: encodeScalar };
    case 'bigint':
      return withRange({ decode: decodeBigint, encode: encodeScalar });
    case 'boolean':
      return withRange({ decode: decodeBoolean, encode: encodeScalar });
    case 'timestamp':
      return { decode: decodeTimestamp, decodeRange: decodeTimestampRange, encode: encodeScalar };
    case 'timestamptz':
      return {
        decode: decodeTimestamptz,
        decodeRange: decodeTimestamptzRange,
        encode: encodeScalar,
      };
    case 'bytea':
      return withRange({ decode: decodeBytea, encode: encodeScalar });
    case 'jsonb':
      return withRange({ decode: decodeJson, encode: encodeJson });
    case 'money':
      return withRange({ decode: decodeMoney, encode: encodeScalar });
    case 'real':
      return withRange({ decode: decodeReal, encode: encodeScalar });
    case 'double':
      return withRange({ decode: decodeDouble, encode: encodeScalar });
    case 'array': {
      const element = codecFor(meta.element as ColumnMeta);
      return withRange({
        decode: (text) => decodeArray(text, element),
        encode: (value) =>
          value === null || value === undefined
            ? COPY_NULL
            : escapeCopyText(arrayLiteral(value as unknown[], meta.element as ColumnMeta)),
      });
    }
    case 'numeric':
    case 'text':
    case 'varchar':
    case 'char':
    case 'date':
    case 'interval':
    case 'json':
    case 'inet':
    case 'cidr':
    case 'tsvector':
    case 'bit':
    case 'varbit':
    case 'xml':
    case 'uuid':
    case 'enum':
    case 'custom':
      // The text is the value.
      return { decode: identity, decodeRange: sliceRange, encode: encodeScalar };
  }
  // Every kind has a case above: a new kind fails compilation here until it has its codec.
  const unknown: never = meta.kind;
  throw new TypeError(`no COPY text codec for ${String(unknown)} columns`);
}

/** A codec whose range decoder slices the field and decodes the slice. */
function withRange(codec: Omit<Codec, 'decodeRange'>): Codec {
  const { decode } = codec;
  return { ...codec, decodeRange: (text, start, end) => decode(text.slice(start, end)) };
}

const sliceRange = (text: string, start: number, end: number): unknown => text.slice(start, end);

const identity = (text: string): unknown => text;

function decodeInteger(text: string): unknown {
  const value = Number(text);
  return Number.isNaN(value) ? text : value;
}

/** An integer read digit by digit (PostgreSQL prints `-?[0-9]+`); anything else as `decode`. */
function decodeIntegerRange(text: string, start: number, end: number): unknown {
  let i = start;
  const negative = text.charCodeAt(i) === 45; /* - */
  if (negative) i += 1;
  if (i === end || end - i > 10) return decodeInteger(text.slice(start, end));
  let value = 0;
  for (; i < end; i += 1) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return decodeInteger(text.slice(start, end));
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

function decodeBigint(text: string): unknown {
  try {
    return BigInt(text);
  } catch {
    return text;
  }
}

/** `-$1,234.56` (lc_monetary C) as `-1234.56`. */
function decodeMoney(text: string): unknown {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  if (!body.startsWith('$')) return text;
  return `${negative ? '-' : ''}${body.slice(1).replaceAll(',', '')}`;
}

/** A float4 as its own value (`0.1` is 0.10000000149011612), `NaN`, infinities, `-0`. */
function decodeReal(text: string): unknown {
  const value = Number(text);
  return Number.isNaN(value) && text !== 'NaN' ? text : Math.fround(value);
}

/** A float8 printed exactly (extra_float_digits 1): `Number` reads it back to the same double. */
function decodeDouble(text: string): unknown {
  const value = Number(text);
  return Number.isNaN(value) && text !== 'NaN' ? text : value;
}

function decodeBoolean(text: string): unknown {
  return text === 't' ? true : text === 'f' ? false : text;
}

/** `2022-02-14 10:24:46.123456` (no zone): read as UTC, like the contracts say. */
function decodeTimestamp(text: string): unknown {
  if (BEYOND_MICROSECONDS.test(text)) return text;
  return parseIsoTimestamp(text, false) ?? parseAnyTimestamp(text, false);
}

/**
 * What the fast parser leaves: `infinity`, `-infinity`, BC (`0044-03-15 10:00:00+00 BC`) and
 * years past 9999 (or before 1000) as PostgreSQL prints them; anything else as is (rejected).
 */
function parseAnyTimestamp(text: string, zoned: boolean): unknown {
  if (text === 'infinity' || text === '-infinity') return text;
  const match = ANY_TIMESTAMP.exec(text);
  if (match === null) return text;
  const [, y, mo, d, h, mi, sec, fraction = '', sign, oh, om, os, bc] = match;
  if ((sign !== undefined) !== zoned) return text;
  const written = Number(y);
  const year = bc === undefined ? written : 1 - written;
  const month = Number(mo);
  const day = Number(d);
  if (written === 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return text;
  }
  const offset =
    sign === undefined
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const seconds = (Number(h) * 60 + Number(mi)) * 60 + Number(sec) - offset;
  const millis = Math.floor(Number(fraction.padEnd(3, '0').slice(0, 3)));
  const time = daysFromCivil(year, month, day) * 86_400_000 + seconds * 1000 + millis;
  return new Date(time);
}

const ANY_TIMESTAMP =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::(\d\d)(?::(\d\d))?)?)?( BC)?$/;

/**
 * More than six fractional digits (SQL Server's datetime2 keeps 100 ns): PostgreSQL would round
 * the value to microseconds, so it is left undecoded and the row is rejected, never rounded.
 */
const BEYOND_MICROSECONDS = /\.\d{7,}/;

function decodeTimestampRange(text: string, start: number, end: number): unknown {
  return parseIsoTimestamp(text, false, start, end) ?? decodeTimestamp(text.slice(start, end));
}

function decodeTimestamptzRange(text: string, start: number, end: number): unknown {
  return parseIsoTimestamp(text, true, start, end) ?? decodeTimestamptz(text.slice(start, end));
}

/** `2022-02-14 10:24:46.123+00`, `...+05:30`: an instant. */
function decodeTimestamptz(text: string): unknown {
  if (BEYOND_MICROSECONDS.test(text)) return text;
  return parseIsoTimestamp(text, true) ?? parseAnyTimestamp(text, true);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1] as number;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** `0`..`9` at `i` as a number, or NaN. */
function digit(text: string, i: number): number {
  const code = text.charCodeAt(i) - 48;
  return code >= 0 && code <= 9 ? code : NaN;
}

/** Two digits at `i` as a number, or NaN. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >>> 0 <= 9 && b >>> 0 <= 9 ? a * 10 + b : NaN;
}

function digits(text: string, i: number, count: number): number {
  return count === 2 ? two(text, i) : two(text, i) * 100 + two(text, i + 2);
}

/**
 * Parses PostgreSQL's ISO output (`YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]`) without the
 * engine's general date parser, which dominates a load's CPU time otherwise; reads
 * `text.slice(start, end)` in place. Returns
 * `undefined` for anything else (BC dates, years past 9999, `infinity`), which then takes the
 * slow path and, if that cannot read it either, fails validation as an invalid date.
 */
export function parseIsoTimestamp(
  text: string,
  zoned: boolean,
  start = 0,
  end = text.length,
): Date | undefined {
  const o = start;
  if (end - o < 19 || text.charCodeAt(o + 4) !== 45 || text.charCodeAt(o + 10) !== 32) {
    return undefined;
  }
  const year = digits(text, o, 4);
  const month = digits(text, o + 5, 2);
  const day = digits(text, o + 8, 2);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) {
    return undefined;
  }
  const dayStart = daysFromCivil(year, month, day) * 86_400_000;
  const hour = digits(text, o + 11, 2);
  const minute = digits(text, o + 14, 2);
  const second = digits(text, o + 17, 2);
  let i = o + 19;
  let millis = 0;
  if (i < end && text.charCodeAt(i) === 46 /* . */) {
    i += 1;
    let scale = 100;
    const first = i;
    while (i < end) {
      const d = digit(text, i);
      if (Number.isNaN(d)) break;
      millis += d * scale; // digits past milliseconds are dropped (Date has no microseconds)
      scale /= 10;
      i += 1;
    }
    millis = Math.floor(millis);
    // Beyond microseconds: the slow path refuses it (see BEYOND_MICROSECONDS).
    if (i - first > 6) return undefined;
  }
  let offsetMinutes = 0;
  if (zoned) {
    if (i + 3 > end) return undefined;
    const sign = text.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return undefined;
    const hours = digits(text, i + 1, 2);
    const withMinutes = i + 6 <= end && text.charCodeAt(i + 3) === 58;
    const minutes = withMinutes ? digits(text, i + 4, 2) : 0;
    // Nothing may follow the offset (a ` BC`, or offset seconds, take the general parser).
    if ((withMinutes ? i + 6 : i + 3) !== end) return undefined;
    offsetMinutes = (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
  } else if (i !== end) {
    return undefined;
  }
  if (!(hour <= 24 && minute <= 59 && second <= 60)) return undefined;
  const time = dayStart + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  return new Date(time);
}

function decodeBytea(text: string): unknown {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : text;
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One escaped COPY field for a scalar value. */
export function encodeScalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escapeCopyText(value);
    case 'number':
      // String(-0) is "0"; NaN and the infinities print as PostgreSQL reads them.
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return COPY_NULL;
    default:
      if (value === null) return COPY_NULL;
      if (value instanceof Date) return formatDate(value);
      if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
      return escapeCopyText(JSON.stringify(value));
  }
}

/**
 * A `Date` as PostgreSQL reads it: ISO 8601 for years 1000 to 9999 (the common case),
 * otherwise PostgreSQL's own spelling (`0044-03-15 10:00:00.000+00 BC`), which
 * `toISOString`'s extended years (`-000043-...`) are not.
 */
export function formatDate(value: Date): string {
  const time = value.getTime();
  if (time >= YEAR_1000_MS && time < YEAR_10000_MS) return value.toISOString();
  if (!(time >= FIRST_TIMESTAMP_MS)) return 'invalid'; // validation refuses these first
  const days = Math.floor(time / 86_400_000);
  const [year, month, day] = civilFromDays(days);
  const bc = year <= 0;
  const clock = new Date(time - days * 86_400_000).toISOString().slice(11, 23);
  const date = `${String(bc ? 1 - year : year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
  return `${date} ${clock}+00${bc ? ' BC' : ''}`;
}

const YEAR_1000_MS = Date.UTC(1000, 0, 1);
const YEAR_10000_MS = Date.UTC(10_000, 0, 1);

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function encodeJson(value: unknown): string {
  return value === null || value === undefined ? COPY_NULL : escapeCopyText(JSON.stringify(value));
}

/**
 * Parses a one-dimensional PostgreSQL array literal such as `{a,"b c",NULL}`; a
 * multi-dimensional (`{{1},{2}}`) or offset (`[0:1]={1,2}`) one comes back as its text.
 */
export function decodeArray(text: string, element: Codec): unknown {
  if (!text.startsWith('{') || !text.endsWith('}')) return text;
  // `{{1,2},{3,4}}`: several dimensions, which contracts do not describe; the text as is, which
  // validation rejects saying why (an element that is a brace is quoted: `{"{"}`).
  if (text.charCodeAt(1) === 123 /* { */) return text;
  const items: unknown[] = [];
  let i = 1;
  const end = text.length - 1;
  if (end === 1) return items;
  while (i <= end) {
    let raw = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      i += 1;
      while (i < end && text[i] !== '"') {
        if (text[i] === '\\') i += 1;
        raw += text[i];
        i += 1;
      }
      i += 1; // closing quote
    } else {
      while (i < end && text[i] !== ',') {
        raw += text[i];
        i += 1;
      }
    }
    items.push(!quoted && raw === 'NULL' ? null : element.decode(raw));
    i += 1; // the comma (or the closing brace)
  }
  return items;
}

/** A PostgreSQL array literal for a one-dimensional array. */
export function arrayLiteral(values: readonly unknown[], element: ColumnMeta): string {
  const items = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    const text =
      value instanceof Date
        ? formatDate(value)
        : typeof value === 'number'
          ? Object.is(value, -0)
            ? '-0'
            : String(value)
          : Buffer.isBuffer(value)
            ? `\\x${value.toString('hex')}`
            : typeof value === 'boolean'
              ? value
                ? 't'
                : 'f'
              : element.kind === 'jsonb'
                ? JSON.stringify(value)
                : String(value);
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  });
  return `{${items.join(',')}}`;
}
