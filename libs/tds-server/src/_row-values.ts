import type { ByteSink } from './_byte-sink.ts';
import { type NormalizedColumn, isPlp, isTextPointer } from './_columns.ts';
import { encodeCp1252 } from './_cp1252.ts';
import { decimalLength, digitCount, parseDecimal } from './_decimal.ts';
import {
  addMinutes,
  parseDate,
  parseDateTime,
  parseDateTimeOffset,
  parseTime,
  scaledTime,
  timeLength,
  toDatetime,
  toSmallDatetime,
} from './_temporal.ts';
import { wireMaxLength } from './_type-info.ts';
import type { TdsValue } from './types.ts';

/** PLP chunk size: values larger than this go out as several chunks. */
const PLP_CHUNK = 8000;
/** The text pointer and timestamp sent with text/ntext/image values (any 16 + 8 bytes). */
const TEXT_POINTER = Buffer.alloc(16, 0xaa);
const TEXT_TIMESTAMP = Buffer.alloc(8, 0x01);

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};
const MONEY_RANGE: [bigint, bigint] = [-9223372036854775808n, 9223372036854775807n];
const SMALLMONEY_RANGE: [bigint, bigint] = [-2147483648n, 2147483647n];

/** Whether a value would be written as NULL. */
export function isNullValue(value: TdsValue | undefined): value is null | undefined {
  return value === null || value === undefined;
}

/**
 * Writes one column value as it appears in a ROW token (MS-TDS 2.2.7.19): the length prefix
 * the type calls for, then the data. NULL is written as the type's NULL marker; a
 * non-nullable fixed-length column cannot be NULL.
 */
export function writeValue(
  sink: ByteSink,
  column: NormalizedColumn,
  value: TdsValue | undefined,
): void {
  if (isNullValue(value)) {
    writeNull(sink, column);
    return;
  }
  if (isPlp(column)) {
    writePlp(sink, bytesOf(column, value));
    return;
  }
  if (isTextPointer(column)) {
    const data = bytesOf(column, value);
    sink.u8(TEXT_POINTER.length);
    sink.bytes(TEXT_POINTER);
    sink.bytes(TEXT_TIMESTAMP);
    sink.u32le(data.length);
    sink.bytes(data);
    return;
  }
  switch (column.type) {
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
    case 'binary':
    case 'varbinary':
    case 'rowversion': {
      const data = bytesOf(column, value);
      sink.u16le(data.length);
      sink.bytes(data);
      return;
    }
    default: {
      const data = fixedBytes(column, value);
      if (column.nullable || !hasFixedForm(column)) sink.u8(data.length);
      sink.bytes(data);
    }
  }
}

/** Writes the NULL form of a column's value (MS-TDS 2.2.4.2.1.3 and 2.2.5.2). */
export function writeNull(sink: ByteSink, column: NormalizedColumn): void {
  if (!column.nullable && hasFixedForm(column)) {
    throw new RangeError(`column '${column.name}' is NOT NULL but the row has NULL`);
  }
  if (isPlp(column))
    sink.i64le(-1n); // PLP_NULL 0xFFFFFFFFFFFFFFFF
  else if (isTextPointer(column))
    sink.u8(0); // no text pointer
  else if (
    ['char', 'varchar', 'nchar', 'nvarchar', 'binary', 'varbinary', 'rowversion'].includes(
      column.type,
    )
  ) {
    sink.u16le(0xffff); // CHARBIN_NULL
  } else sink.u8(0); // BYTELEN types: length 0
}

function hasFixedForm(column: NormalizedColumn): boolean {
  return [
    'bit',
    'tinyint',
    'smallint',
    'int',
    'bigint',
    'real',
    'float',
    'money',
    'smallmoney',
    'datetime',
    'smalldatetime',
  ].includes(column.type);
}

function writePlp(sink: ByteSink, data: Buffer): void {
  sink.i64le(BigInt(data.length));
  for (let offset = 0; offset < data.length; offset += PLP_CHUNK) {
    const chunk = data.subarray(offset, offset + PLP_CHUNK);
    sink.u32le(chunk.length);
    sink.bytes(chunk);
  }
  sink.u32le(0); // PLP_TERMINATOR
}

/** The bytes of a character or binary value, padded for char/nchar/binary. */
function bytesOf(column: NormalizedColumn, value: Exclude<TdsValue, null>): Buffer {
  let data: Buffer;
  switch (column.type) {
    case 'char':
    case 'varchar':
    case 'text':
      data = encodeCp1252(padded(column, expectString(column, value)));
      break;
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
    case 'xml':
      data = Buffer.from(padded(column, expectString(column, value)), 'utf16le');
      break;
    case 'rowversion':
      data = typeof value === 'bigint' ? bigEndian8(value) : expectBuffer(column, value);
      if (data.length !== 8)
        throw new RangeError(`column '${column.name}': rowversion has 8 bytes`);
      break;
    default: {
      data = expectBuffer(column, value);
      if (
        column.type === 'binary' &&
        typeof column.length === 'number' &&
        data.length < column.length
      ) {
        data = Buffer.concat([data, Buffer.alloc(column.length - data.length)]);
      }
    }
  }
  if (column.length !== 'max' && column.length > 0 && data.length > wireMaxLength(column)) {
    throw new RangeError(
      `column '${column.name}': value of ${data.length} bytes exceeds ${column.type}(${column.length})`,
    );
  }
  return data;
}

function padded(column: NormalizedColumn, text: string): string {
  return (column.type === 'char' || column.type === 'nchar') && typeof column.length === 'number'
    ? text.padEnd(column.length, ' ')
    : text;
}

function bigEndian8(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt.asUintN(64, value));
  return out;
}

/** The data bytes of a BYTELEN or fixed-length value (no length prefix). */
export function fixedBytes(column: NormalizedColumn, value: Exclude<TdsValue, null>): Buffer {
  switch (column.type) {
    case 'bit':
      if (value !== true && value !== false && value !== 0 && value !== 1) {
        throw new RangeError(
          `column '${column.name}': bit is true/false or 0/1, got ${String(value)}`,
        );
      }
      return Buffer.from([value === true || value === 1 ? 1 : 0]);
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const integer = expectInteger(column, value);
      const [min, max] = INTEGER_RANGES[column.type] ?? [0n, 0n];
      if (integer < min || integer > max)
        throw new RangeError(`column '${column.name}': ${integer} out of ${column.type} range`);
      const length = { tinyint: 1, smallint: 2, int: 4, bigint: 8 }[column.type];
      return littleEndian(BigInt.asUintN(length * 8, integer), length);
    }
    case 'real': {
      const out = Buffer.alloc(4);
      out.writeFloatLE(expectNumber(column, value));
      return out;
    }
    case 'float': {
      const out = Buffer.alloc(8);
      out.writeDoubleLE(expectNumber(column, value));
      return out;
    }
    case 'money':
    case 'smallmoney': {
      const unscaled = parseDecimal(decimalText(column, value), 4);
      const [min, max] = column.type === 'money' ? MONEY_RANGE : SMALLMONEY_RANGE;
      if (unscaled < min || unscaled > max)
        throw new RangeError(
          `column '${column.name}': ${String(value)} out of ${column.type} range`,
        );
      if (column.type === 'smallmoney') {
        const out = Buffer.alloc(4);
        out.writeInt32LE(Number(unscaled));
        return out;
      }
      // money: the high 32 bits first, then the low 32 bits, each little-endian.
      const out = Buffer.alloc(8);
      out.writeInt32LE(Number(BigInt.asIntN(32, unscaled >> 32n)), 0);
      out.writeUInt32LE(Number(BigInt.asUintN(32, unscaled)), 4);
      return out;
    }
    case 'decimal':
    case 'numeric': {
      const unscaled = parseDecimal(decimalText(column, value), column.scale);
      if (digitCount(unscaled) > column.precision) {
        throw new RangeError(
          `column '${column.name}': ${String(value)} does not fit ${column.type}(${column.precision},${column.scale})`,
        );
      }
      const length = decimalLength(column.precision);
      const sign = Buffer.from([unscaled < 0n ? 0 : 1]);
      return Buffer.concat([sign, littleEndian(unscaled < 0n ? -unscaled : unscaled, length - 1)]);
    }
    case 'uniqueidentifier':
      return guidBytes(column, expectString(column, value));
    case 'date':
      return littleEndian(BigInt(parseDate(expectString(column, value))), 3);
    case 'time':
      return littleEndian(
        scaledTime(parseTime(expectString(column, value)), column.scale),
        timeLength(column.scale),
      );
    case 'datetime2': {
      const { days, ticks } = parseDateTime(expectString(column, value));
      return Buffer.concat([
        littleEndian(scaledTime(ticks, column.scale), timeLength(column.scale)),
        littleEndian(BigInt(days), 3),
      ]);
    }
    case 'datetimeoffset': {
      const local = parseDateTimeOffset(expectString(column, value));
      // The wire carries the UTC date and time, then the offset.
      const utc = addMinutes(local, -local.offsetMinutes);
      const offset = Buffer.alloc(2);
      offset.writeInt16LE(local.offsetMinutes);
      return Buffer.concat([
        littleEndian(scaledTime(utc.ticks, column.scale), timeLength(column.scale)),
        littleEndian(BigInt(utc.days), 3),
        offset,
      ]);
    }
    case 'datetime': {
      const { days, ticks300 } = toDatetime(parseDateTime(expectString(column, value)));
      const out = Buffer.alloc(8);
      out.writeInt32LE(days, 0);
      out.writeUInt32LE(ticks300, 4);
      return out;
    }
    case 'smalldatetime': {
      const { days, minutes } = toSmallDatetime(parseDateTime(expectString(column, value)));
      const out = Buffer.alloc(4);
      out.writeUInt16LE(days, 0);
      out.writeUInt16LE(minutes, 2);
      return out;
    }
    default:
      throw new RangeError(`column '${column.name}': ${column.type} is not a fixed-length type`);
  }
}

/** The 16 bytes of a uniqueidentifier: the first three groups little-endian, the rest as is. */
export function guidBytes(column: NormalizedColumn, text: string): Buffer {
  const hex = text.replace(/^\{|\}$/g, '');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(hex)) {
    throw new RangeError(`column '${column.name}': not a uniqueidentifier: '${text}'`);
  }
  const bytes = Buffer.from(hex.replace(/-/g, ''), 'hex');
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]);
}

function littleEndian(value: bigint, length: number): Buffer {
  const out = Buffer.alloc(length);
  let rest = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (rest !== 0n) throw new RangeError(`${value} does not fit ${length} bytes`);
  return out;
}

function decimalText(column: NormalizedColumn, value: Exclude<TdsValue, null>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))
    return String(value);
  throw new RangeError(
    `column '${column.name}': ${column.type} values are decimal strings, got ${typeof value}`,
  );
}

function expectString(column: NormalizedColumn, value: Exclude<TdsValue, null>): string {
  if (typeof value !== 'string')
    throw new RangeError(
      `column '${column.name}': ${column.type} values are strings, got ${typeof value}`,
    );
  return value;
}

function expectBuffer(column: NormalizedColumn, value: Exclude<TdsValue, null>): Buffer {
  if (!Buffer.isBuffer(value))
    throw new RangeError(
      `column '${column.name}': ${column.type} values are Buffers, got ${typeof value}`,
    );
  return value;
}

function expectNumber(column: NormalizedColumn, value: Exclude<TdsValue, null>): number {
  if (typeof value !== 'number')
    throw new RangeError(
      `column '${column.name}': ${column.type} values are numbers, got ${typeof value}`,
    );
  return value;
}

function expectInteger(column: NormalizedColumn, value: Exclude<TdsValue, null>): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new RangeError(
    `column '${column.name}': ${column.type} values are integers, got ${String(value)}`,
  );
}
