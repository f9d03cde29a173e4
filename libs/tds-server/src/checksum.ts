import { createHash } from 'node:crypto';
import { type NormalizedColumn, normalizeColumn } from './_columns.ts';
import { decodeCp1252, encodeCp1252 } from './_cp1252.ts';
import { formatDecimal, parseDecimal } from './_decimal.ts';
import { guidBytes } from './_row-values.ts';
import {
  formatDate,
  formatOffset,
  formatTime,
  fromDatetime,
  parseDate,
  parseDateTime,
  parseDateTimeOffset,
  parseTime,
  scaledTime,
  toDatetime,
  toSmallDatetime,
} from './_temporal.ts';
import type { TdsColumn, TdsRow, TdsValue } from './types.ts';

/** Canonical text of one value, or null for NULL. */
export type CanonicalValue = string | null;

/**
 * The canonical text of a value as a client receives it, in SQL Server's own display style
 * (CONVERT style 121 for dates and times): exactly `scale` fraction digits for decimals and
 * times, money with 4 digits, datetime rounded to 1/300 s (.000, .003, .007), datetimeoffset in
 * its local time with `+hh:mm`, char/nchar/binary padded to their length, varchar/text after
 * Windows-1252 (unmappable characters become '?'), binary as `0x` + upper-case hex,
 * uniqueidentifier upper-case, real as the shortest decimal that reads back as the same
 * float32, float as JavaScript prints the double. Clients' outputs are normalised to this
 * text so that every client and the fixture give the same checksum.
 */
export function canonicalValue(column: TdsColumn, value: TdsValue | undefined): CanonicalValue {
  if (value === null || value === undefined) return null;
  const c = normalizeColumn(column);
  switch (c.type) {
    case 'bit':
      return value === true || value === 1 ? '1' : '0';
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return String(value);
    case 'decimal':
    case 'numeric':
      return formatDecimal(parseDecimal(String(value), c.scale), c.scale);
    case 'money':
    case 'smallmoney':
      return formatDecimal(parseDecimal(String(value), 4), 4);
    case 'real':
      return canonicalReal(Number(value));
    case 'float':
      return canonicalFloat(Number(value));
    case 'date':
      return formatDate(parseDate(String(value)));
    case 'time':
      return formatTime(
        scaledTime(parseTime(String(value)), c.scale) * 10n ** BigInt(7 - c.scale),
        c.scale,
      );
    case 'datetime2': {
      const { days, ticks } = parseDateTime(String(value));
      scaledTime(ticks, c.scale);
      return `${formatDate(days)} ${formatTime(ticks, c.scale)}`;
    }
    case 'datetimeoffset': {
      const { days, ticks, offsetMinutes } = parseDateTimeOffset(String(value));
      scaledTime(ticks, c.scale);
      return `${formatDate(days)} ${formatTime(ticks, c.scale)} ${formatOffset(offsetMinutes)}`;
    }
    case 'datetime': {
      const { days, ticks300 } = toDatetime(parseDateTime(String(value)));
      const shown = fromDatetime(days, ticks300);
      return `${formatDate(shown.days)} ${formatTime(shown.ticks, 3)}`;
    }
    case 'smalldatetime': {
      const parsed = parseDateTime(String(value));
      toSmallDatetime(parsed);
      return `${formatDate(parsed.days)} ${formatTime(parsed.ticks, 0)}`;
    }
    case 'char':
    case 'varchar':
    case 'text':
      return decodeCp1252(encodeCp1252(padded(c, String(value))));
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
    case 'xml':
      return padded(c, String(value));
    case 'uniqueidentifier':
      guidBytes(c, String(value));
      return String(value)
        .replace(/^\{|\}$/g, '')
        .toUpperCase();
    case 'rowversion':
      return hex(typeof value === 'bigint' ? bigEndian8(value) : (value as Buffer));
    case 'binary': {
      const bytes = value as Buffer;
      const length = typeof c.length === 'number' ? c.length : bytes.length;
      return hex(Buffer.concat([bytes, Buffer.alloc(Math.max(0, length - bytes.length))]));
    }
    default:
      return hex(value as Buffer);
  }
}

/** The shortest decimal text that reads back as the same float32. */
export function canonicalReal(value: number): string {
  const target = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = target.toPrecision(digits);
    if (Math.fround(Number(text)) === target) return String(Number(text));
  }
  return String(target);
}

/** The shortest decimal text that reads back as the same double (JavaScript's own). */
export function canonicalFloat(value: number): string {
  return String(value);
}

function padded(column: NormalizedColumn, text: string): string {
  return (column.type === 'char' || column.type === 'nchar') && typeof column.length === 'number'
    ? text.padEnd(column.length, ' ')
    : text;
}

function hex(bytes: Buffer): string {
  return `0x${bytes.toString('hex').toUpperCase()}`;
}

function bigEndian8(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt.asUintN(64, value));
  return out;
}

/** The canonical text of every value of every row. */
export function canonicalRows(
  columns: readonly TdsColumn[],
  rows: Iterable<TdsRow>,
): CanonicalValue[][] {
  return [...rows].map((row) => columns.map((column, i) => canonicalValue(column, row[i])));
}

/**
 * sha256 (hex) over canonical rows: each row as a JSON array of its canonical values, one
 * row per line. Compute it from the fixture (`canonicalRows`) and from a client's output
 * normalised to canonical text, and compare.
 */
export function checksumRows(rows: Iterable<readonly CanonicalValue[]>): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${JSON.stringify(row)}\n`);
  return hash.digest('hex');
}
