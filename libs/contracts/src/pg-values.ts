/**
 * The exact value domains of PostgreSQL types whose JavaScript form is a string or a number
 * (see `col`): predicates the zod schemas and the compiled validators share, and the parsers a
 * loader's codecs need to write those values in PostgreSQL's binary form.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Days since 1970-01-01 of a proleptic Gregorian date, astronomical year (1 BC is 0). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Year (astronomical), month and day of a day count since 1970-01-01. */
export function civilFromDays(count: number): [number, number, number] {
  const z = count + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** PostgreSQL's first date, 4714-11-24 BC, and last, 5874897-12-31, as days since 1970. */
const FIRST_DAY = daysFromCivil(-4713, 11, 24);
const LAST_DAY = daysFromCivil(5_874_897, 12, 31);

/** `YYYY-MM-DD` (more year digits past 9999, never a leading zero beyond four), ` BC` or not. */
const DATE_PATTERN = /^(\d{4}|[1-9]\d{4,6})-(\d\d)-(\d\d)( BC)?$/;

/**
 * Days since 1970-01-01 of a date as PostgreSQL prints it with DateStyle ISO (`2022-02-14`,
 * `0044-03-15 BC`, `10000-01-01`), `Infinity`/`-Infinity` for `infinity`/`-infinity`, or
 * undefined when the text is no such date (or outside PostgreSQL's range).
 */
export function pgDateDays(text: string): number | undefined {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const match = DATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const written = Number(match[1]);
  if (written === 0) return undefined; // there is no year 0 (1 BC comes before 1 AD)
  const year = match[4] === undefined ? written : 1 - written;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const days = daysFromCivil(year, month, day);
  return days < FIRST_DAY || days > LAST_DAY ? undefined : days;
}

/** Whether a value is a `date` column's value: PostgreSQL's ISO text, BC and infinities included. */
export function isPgDate(value: unknown): value is string {
  return typeof value === 'string' && pgDateDays(value) !== undefined;
}

/** A day count since 1970 as PostgreSQL prints the date (DateStyle ISO). */
export function formatPgDate(days: number): string {
  if (days === Number.POSITIVE_INFINITY) return 'infinity';
  if (days === Number.NEGATIVE_INFINITY) return '-infinity';
  const [year, month, day] = civilFromDays(days);
  const bc = year <= 0;
  const text = `${String(bc ? 1 - year : year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  return bc ? `${text} BC` : text;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Milliseconds since 1970 of PostgreSQL's first timestamp, 4714-11-24 00:00:00 BC (UTC). */
export const FIRST_TIMESTAMP_MS = FIRST_DAY * 86_400_000;

/** Whether a value is a timestamp column's value: a valid `Date` in PostgreSQL's range, or an infinity. */
export function isPgTimestamp(value: unknown): boolean {
  if (value instanceof Date) {
    const time = value.getTime();
    return time >= FIRST_TIMESTAMP_MS; // NaN fails; JavaScript's last Date is before PostgreSQL's
  }
  return value === 'infinity' || value === '-infinity';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `-1234.56`: how a `money` value is written (two fraction digits at most, no symbol). */
const MONEY_PATTERN = /^-?(0|[1-9]\d{0,16})(\.\d{1,2})?$/;

/** A money amount in cents, or undefined when the text is no amount `money` can hold. */
export function moneyCents(text: string): bigint | undefined {
  if (!MONEY_PATTERN.test(text)) return undefined;
  const negative = text.startsWith('-');
  const [whole = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  const signed = negative ? -cents : cents;
  return signed < INT64_MIN || signed > INT64_MAX ? undefined : signed;
}

/** Whether a value is a `money` column's value (see {@link moneyCents}). */
export function isMoney(value: unknown): value is string {
  return typeof value === 'string' && moneyCents(value) !== undefined;
}

/** Cents as the decimal text of a `money` value: `-1234.56`, `0.05`, `12.00`. */
export function formatMoney(cents: bigint): string {
  const negative = cents < 0n;
  const digits = (negative ? -cents : cents).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Whether a value is a `real` (float4): any number whose nearest float4 is not out of range. */
export function isReal(value: unknown): value is number {
  if (typeof value !== 'number') return false;
  if (!Number.isFinite(value)) return true; // NaN, Infinity and -Infinity are reals too
  const single = Math.fround(value);
  // PostgreSQL refuses what overflows to infinity or underflows to zero.
  return Number.isFinite(single) && (single !== 0 || value === 0);
}

/** Whether a value is a `double precision` (float8): any number, NaN, infinities and -0 included. */
export function isDouble(value: unknown): value is number {
  return typeof value === 'number';
}

/** An interval's three fields, as PostgreSQL stores them. */
export interface IntervalFields {
  /** Months (years are 12 months), a 32-bit integer. */
  months: number;
  /** Days, a 32-bit integer (not converted to hours: a day is not always 24 hours). */
  days: number;
  /** Microseconds, a 64-bit integer. */
  microseconds: bigint;
}

const INTERVAL_PATTERN =
  /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,6}))?S)?)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The fields of an interval written in ISO 8601 as PostgreSQL prints it with IntervalStyle
 * `iso_8601` (`P1Y2M3DT4H5M6.789S`, `P-10M-3DT-4H`, `PT0S`; each part may have its own sign),
 * or undefined when the text is no such interval or a field is out of range.
 */
export function parseInterval(text: string): IntervalFields | undefined {
  const match = INTERVAL_PATTERN.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return undefined;
  const [, y, mo, d, h, mi, secondSign, s, fraction] = match;
  const months = int(y) * 12 + int(mo);
  const days = int(d);
  if (months < INT32_MIN || months > INT32_MAX || days < INT32_MIN || days > INT32_MAX) {
    return undefined;
  }
  let seconds = BigInt(s ?? '0') * 1_000_000n + BigInt((fraction ?? '').padEnd(6, '0'));
  if (secondSign === '-') seconds = -seconds;
  const microseconds =
    BigInt(h ?? '0') * 3_600_000_000n + BigInt(mi ?? '0') * 60_000_000n + seconds;
  if (microseconds < INT64_MIN || microseconds > INT64_MAX) return undefined;
  return { months, days, microseconds };
}

function int(text: string | undefined): number {
  return text === undefined ? 0 : Number(text);
}

/** Whether a value is an `interval` column's value (see {@link parseInterval}). */
export function isInterval(value: unknown): value is string {
  return typeof value === 'string' && parseInterval(value) !== undefined;
}

/** An interval's fields as PostgreSQL prints them with IntervalStyle `iso_8601`. */
export function formatInterval(fields: IntervalFields): string {
  const { months, days, microseconds } = fields;
  if (months === 0 && days === 0 && microseconds === 0n) return 'PT0S';
  // C's division truncates toward zero, and so do Math.trunc and BigInt's `/`.
  const years = Math.trunc(months / 12);
  const mons = months - years * 12;
  let text = `P${part(years, 'Y')}${part(mons, 'M')}${part(days, 'D')}`;
  if (microseconds !== 0n) {
    const hours = microseconds / 3_600_000_000n;
    let rest = microseconds - hours * 3_600_000_000n;
    const minutes = rest / 60_000_000n;
    rest -= minutes * 60_000_000n;
    text += `T${part(hours, 'H')}${part(minutes, 'M')}`;
    if (rest !== 0n) {
      const negative = rest < 0n;
      const abs = negative ? -rest : rest;
      const whole = abs / 1_000_000n;
      const fraction = (abs - whole * 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
      text += `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}S`;
    }
  }
  return text;
}

function part(value: number | bigint, unit: string): string {
  return value === 0 || value === 0n ? '' : `${value}${unit}`;
}

/**
 * Whether a value is a bit string of `bit(length)` (`exact`: exactly `length` characters `0`
 * or `1`) or `bit varying(length)` (at most `length`; any length when undefined; `""` too).
 */
export function isBitString(value: unknown, length: number | undefined, exact: boolean): boolean {
  if (typeof value !== 'string') return false;
  if (exact ? value.length !== length : length !== undefined && value.length > length) {
    return false;
  }
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code !== 48 && code !== 49) return false;
  }
  return true;
}

/**
 * Whether a value is an `xml` column's value as the contract checks it: text without NUL
 * (PostgreSQL checks well-formedness itself when the value is written).
 */
export function isXmlText(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('\u0000');
}

/** Whether a value is a `json` column's value: JSON text, kept as written. */
export function isJsonText(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The address bytes and prefix length of an `inet`/`cidr` value (`192.0.2.1`,
 * `198.0.0.0/8`, `2001:db8::1/64`, `::ffff:1.2.3.4`), or undefined.
 */
function parseNetwork(text: string): { bytes: number[]; bits: number; max: number } | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return undefined;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const written = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(written)) return undefined;
    bits = Number(written);
    if (bits > max) return undefined;
  }
  return { bytes: v4 ? address.split('.').map(Number) : ipv6Bytes(address), bits, max };
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    tail.push(...(dotted[1] as string).split('.').map(Number));
    text = `${text.slice(0, -(dotted[1] as string).length)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length > 0) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Whether a value is an `inet` column's value: an IPv4 or IPv6 host address, with a prefix length or not. */
export function isInet(value: unknown): value is string {
  return typeof value === 'string' && parseNetwork(value) !== undefined;
}

/**
 * Whether a value is a `cidr` column's value: a network with its prefix length
 * (`198.0.0.0/8`), no bits set right of the prefix (PostgreSQL refuses those).
 */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string' || !value.includes('/')) return false;
  const network = parseNetwork(value);
  if (network === undefined) return false;
  return network.bytes.every((byte, i) => {
    const kept = Math.min(8, Math.max(0, network.bits - i * 8));
    return (byte & (0xff >> kept)) === 0;
  });
}
