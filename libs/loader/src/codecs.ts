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
  encode(value: unknown): string;
}

/** The codec for a column's kind. */
export function codecFor(meta: ColumnMeta): Codec {
  switch (meta.kind) {
    case 'smallint':
    case 'integer':
      return { decode: decodeInteger, encode: encodeScalar };
    case 'bigint':
      return { decode: decodeBigint, encode: encodeScalar };
    case 'boolean':
      return { decode: decodeBoolean, encode: encodeScalar };
    case 'timestamp':
      return { decode: decodeTimestamp, encode: encodeScalar };
    case 'timestamptz':
      return { decode: decodeTimestamptz, encode: encodeScalar };
    case 'bytea':
      return { decode: decodeBytea, encode: encodeScalar };
    case 'jsonb':
      return { decode: decodeJson, encode: encodeJson };
    case 'array': {
      const element = codecFor(meta.element as ColumnMeta);
      return {
        decode: (text) => decodeArray(text, element),
        encode: (value) =>
          value === null || value === undefined
            ? COPY_NULL
            : escapeCopyText(arrayLiteral(value as unknown[], meta.element as ColumnMeta)),
      };
    }
    default:
      // numeric, text, varchar, char, date, uuid, enum, custom: the text is the value.
      return { decode: identity, encode: encodeScalar };
  }
}

const identity = (text: string): unknown => text;

function decodeInteger(text: string): unknown {
  const value = Number(text);
  return Number.isNaN(value) ? text : value;
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
  return parseIsoTimestamp(text, false) ?? new Date(`${text.replace(' ', 'T')}Z`);
}

/** `2022-02-14 10:24:46.123+00`, `...+05:30`: an instant. */
function decodeTimestamptz(text: string): unknown {
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
 * engine's general date parser, which dominates a load's CPU time otherwise. Returns
 * `undefined` for anything else (BC dates, years past 9999, `infinity`), which then takes the
 * slow path and, if that cannot read it either, fails validation as an invalid date.
 */
export function parseIsoTimestamp(text: string, zoned: boolean): Date | undefined {
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) {
    return undefined;
  }
  const dayStart = daysFromCivil(year, month, day) * 86_400_000;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46 /* . */) {
    i += 1;
    let scale = 100;
    while (i < text.length) {
      const d = digit(text, i);
      if (Number.isNaN(d)) break;
      millis += d * scale; // digits past milliseconds are dropped (Date has no microseconds)
      scale /= 10;
      i += 1;
    }
    millis = Math.floor(millis);
  }
  let offsetMinutes = 0;
  if (zoned) {
    const sign = text.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return undefined;
    const hours = digits(text, i + 1, 2);
    const minutes = text.charCodeAt(i + 3) === 58 ? digits(text, i + 4, 2) : 0;
    offsetMinutes = (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
  } else if (i !== text.length) {
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
