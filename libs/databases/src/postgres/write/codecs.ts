import type { ColumnMeta } from '@datakit/contracts';

import { COPY_NULL, escapeCopyText } from './copy-text.ts';

/**
 * How one column's values cross the wire: `decode` turns PostgreSQL's text output (DateStyle
 * ISO, TimeZone UTC, bytea hex) into the value the contract validates (a `Date` for timestamps,
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
    default:
      // numeric, text, varchar, char, date, uuid, enum, custom: the text is the value.
      return { decode: identity, decodeRange: sliceRange, encode: encodeScalar };
  }
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

function decodeBoolean(text: string): unknown {
  return text === 't' ? true : text === 'f' ? false : text;
}

/** `2022-02-14 10:24:46.123456` (no zone): read as UTC, like the contracts say. */
function decodeTimestamp(text: string): unknown {
  if (BEYOND_MICROSECONDS.test(text)) return text;
  return parseIsoTimestamp(text, false) ?? new Date(`${text.replace(' ', 'T')}Z`);
}

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
  const fast = parseIsoTimestamp(text, true);
  if (fast !== undefined) return fast;
  const iso = text.replace(' ', 'T');
  // PostgreSQL writes `+00`; ECMAScript's date format wants `+00:00` (or `Z`).
  return new Date(/[+-]\d\d$/.test(iso) ? `${iso}:00` : iso);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1] as number;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
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
    const minutes = i + 6 <= end && text.charCodeAt(i + 3) === 58 ? digits(text, i + 4, 2) : 0;
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
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return COPY_NULL;
    default:
      if (value === null) return COPY_NULL;
      if (value instanceof Date) return value.toISOString();
      if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
      return escapeCopyText(JSON.stringify(value));
  }
}

function encodeJson(value: unknown): string {
  return value === null || value === undefined ? COPY_NULL : escapeCopyText(JSON.stringify(value));
}

/** Parses a one-dimensional PostgreSQL array literal such as `{a,"b c",NULL}`. */
export function decodeArray(text: string, element: Codec): unknown {
  if (!text.startsWith('{') || !text.endsWith('}')) return text;
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
    if (text[i] === '{') return text; // nested: not modelled by the contracts
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
        ? value.toISOString()
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
