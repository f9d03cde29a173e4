/**
 * Turns what independent clients print into the canonical text of `canonicalValue`, so the
 * fixture and every client can be compared value by value and by checksum. What each client
 * needs normalising:
 * - FreeTDS tsql: binary as lower-case hex without 0x; real with 9 significant digits and
 *   float with 17 (both read back exactly); dates in the locale's lossy format (so temporal
 *   columns are read through FreeTDS's ODBC driver instead, which prints ISO text but years
 *   below 1000 without leading zeros, and NULL as an empty field).
 * - pytds: Decimal without trailing zeros or with an exponent (`1E-10`); times and datetimes
 *   as Python isoformat, whose datetime holds microseconds: the 100 ns digit is lost, so the
 *   fixture is compared truncated to 6 fraction digits (`truncateFraction`); offsets without a
 *   space (`+05:30`).
 */
import { canonicalFloat, canonicalReal, type CanonicalValue, type TdsColumn } from '../index.ts';

/** An exact decimal text (with optional exponent) at `scale` fraction digits. */
export function decimalAt(text: string, scale: number): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) throw new Error(`not a decimal: ${text}`);
  const exponent = Number(match[4] ?? 0);
  let digits = `${match[2] ?? ''}${match[3] ?? ''}`;
  let point = (match[2] ?? '').length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + scale, '0');
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fraction = digits.slice(point, point + scale);
  const negative = match[1] === '-' && /[1-9]/.test(integer + fraction);
  return `${negative ? '-' : ''}${integer}${scale > 0 ? `.${fraction}` : ''}`;
}

function timeAt(text: string, scale: number): string {
  const match = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new Error(`not a time: ${text}`);
  const hms = `${(match[1] ?? '').padStart(2, '0')}:${match[2]}:${match[3]}`;
  return scale > 0 ? `${hms}.${(match[4] ?? '').padEnd(scale, '0').slice(0, scale)}` : hms;
}

function dateAt(text: string): string {
  const match = /^(-?\d+)-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) throw new Error(`not a date: ${text}`);
  return `${(match[1] ?? '').padStart(4, '0')}-${match[2]}-${match[3]}`;
}

function scaleOf(column: TdsColumn): number {
  if (column.type === 'datetime') return 3;
  if (column.type === 'smalldatetime') return 0;
  return column.scale ?? 7;
}

/** A client's text for a value, in canonical text. */
export function normalizeClientText(column: TdsColumn, text: string | null): CanonicalValue {
  if (text === null) return null;
  switch (column.type) {
    case 'bit':
      return text === 'True' || text === '1' ? '1' : '0';
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return BigInt(text).toString();
    case 'decimal':
    case 'numeric':
      return decimalAt(text, column.scale ?? 0);
    case 'money':
    case 'smallmoney':
      return decimalAt(text, 4);
    case 'real':
      return canonicalReal(Number(text));
    case 'float':
      return canonicalFloat(Number(text));
    case 'date':
      return dateAt(text);
    case 'time':
      return timeAt(text, scaleOf(column));
    case 'datetime':
    case 'smalldatetime':
    case 'datetime2':
    case 'datetimeoffset': {
      const match =
        /^(-?\d+-\d{2}-\d{2})[ T](\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)\s*([+-]\d{2}:\d{2})?$/.exec(
          text.trim(),
        );
      if (match === null) throw new Error(`not a ${column.type}: ${text}`);
      const dateTime = `${dateAt(match[1] ?? '')} ${timeAt(match[2] ?? '', scaleOf(column))}`;
      return column.type === 'datetimeoffset' ? `${dateTime} ${match[3] ?? '+00:00'}` : dateTime;
    }
    case 'binary':
    case 'varbinary':
    case 'image':
    case 'rowversion':
      return `0x${text.replace(/^0x/i, '').toUpperCase()}`;
    case 'uniqueidentifier':
      return text.toUpperCase();
    default:
      return text;
  }
}

/** Canonical text with fraction digits beyond `digits` zeroed (clients holding microseconds). */
export function truncateFraction(
  column: TdsColumn,
  value: CanonicalValue,
  digits: number,
): CanonicalValue {
  if (value === null || !['time', 'datetime2', 'datetimeoffset'].includes(column.type))
    return value;
  return value.replace(
    /\.(\d+)/,
    (_, fraction: string) => `.${fraction.slice(0, digits).padEnd(fraction.length, '0')}`,
  );
}
