/**
 * PostgreSQL's binary COPY format, for the column kinds whose wire form is simple (not numeric,
 * bytea, jsonb, inet, cidr, tsvector, uuid, enums, arrays: those take text COPY): a header,
 * then per row a 16-bit field count and per field a 32-bit length (-1 for NULL) and the
 * value's bytes (big-endian integers, timestamps as microseconds since 2000-01-01, text as
 * UTF-8), then a 16-bit -1. PostgreSQL reads and writes it without parsing or printing
 * values, which makes it much cheaper than text on both servers.
 */
import {
  civilFromDays,
  formatInterval,
  formatMoney,
  formatPgDate,
  moneyCents,
  parseInterval,
  pgDateDays,
} from '@datakit/contracts';
import type { ColumnKind, ColumnMeta } from '@datakit/contracts';

/** The 11-byte signature, then 32-bit flags and header-extension length (both 0). */
export const BINARY_HEADER = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  Buffer.alloc(8),
]);
const SIGNATURE_LENGTH = 11;

/** The end of the data: a field count of -1. */
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** Milliseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (UTC). */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/**
 * The SQL type each supported kind crosses the wire as: the source SELECT casts to it, and a
 * target column takes binary data only when its type is one of `TARGET_TYPES`.
 */
const WIRE_TYPES: Partial<Record<ColumnKind, string>> = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  text: 'text',
  varchar: 'text',
  date: 'date',
  money: 'money',
  real: 'real',
  double: 'double precision',
  interval: 'interval',
  json: 'json',
};

const TARGET_TYPES: Partial<Record<ColumnKind, readonly string[]>> = {
  smallint: ['smallint'],
  integer: ['integer'],
  bigint: ['bigint'],
  boolean: ['boolean'],
  timestamp: ['timestamp without time zone'],
  timestamptz: ['timestamp with time zone'],
  text: ['text', 'character varying'],
  varchar: ['text', 'character varying'],
  date: ['date'],
  money: ['money'],
  real: ['real'],
  double: ['double precision'],
  interval: ['interval'],
  json: ['json'],
};

/** The type a source column is cast to in a binary read, or undefined when not supported. */
export function binaryWireType(meta: ColumnMeta): string | undefined {
  return WIRE_TYPES[meta.kind];
}

/**
 * Whether a live target column (its type as `format_type(atttypid, NULL)` prints it) takes
 * the binary form of a contract column.
 */
export function acceptsBinary(meta: ColumnMeta, liveType: string): boolean {
  return TARGET_TYPES[meta.kind]?.includes(liveType) ?? false;
}

/** How one kind's values are read from and written to binary COPY data. */
export interface BinaryCodec {
  /** The value of a non-null field whose bytes are `data[start..end)`. */
  decode(data: Buffer, start: number, end: number): unknown;
  /** Writes a non-null, validated value: its length word, then its bytes. */
  encode(value: unknown, out: BinaryWriter): void;
}

/** The binary codec of a supported kind. */
export function binaryCodecFor(meta: ColumnMeta): BinaryCodec {
  switch (meta.kind) {
    case 'smallint':
      return {
        decode: (data, start) => data.readInt16BE(start),
        encode: (value, out) => out.int16Field(value as number),
      };
    case 'integer':
      return {
        decode: (data, start) => data.readInt32BE(start),
        encode: (value, out) => out.int32Field(value as number),
      };
    case 'bigint':
      return {
        decode: (data, start) => data.readBigInt64BE(start),
        encode: (value, out) => out.bigintField(value as bigint),
      };
    case 'boolean':
      return {
        decode: (data, start) => data[start] !== 0,
        encode: (value, out) => out.booleanField(value as boolean),
      };
    case 'timestamp':
    case 'timestamptz':
      return { decode: decodeTimestamp, encode: (value, out) => out.dateField(value as Date) };
    case 'text':
    case 'varchar':
    case 'json': // json's binary form is its text (jsonb's has a version byte)
      return {
        decode: (data, start, end) => data.toString('utf8', start, end),
        encode: (value, out) => out.textField(value as string),
      };
    case 'date':
      return { decode: decodeDate, encode: (value, out) => out.dateDaysField(value as string) };
    case 'money':
      return {
        decode: (data, start) => formatMoney(data.readBigInt64BE(start)),
        encode: (value, out) => out.bigintField(moneyCents(value as string) as bigint),
      };
    case 'real':
      return {
        decode: (data, start) => data.readFloatBE(start),
        encode: (value, out) => out.realField(value as number),
      };
    case 'double':
      return {
        decode: (data, start) => data.readDoubleBE(start),
        encode: (value, out) => out.doubleField(value as number),
      };
    case 'interval':
      return { decode: decodeInterval, encode: (value, out) => out.intervalField(value as string) };
    default:
      throw new Error(`no binary COPY codec for ${meta.kind} columns`);
  }
}

/** Microseconds since PostgreSQL's epoch at `start` (exact within ±285 years of 2000). */
export function readMicros(data: Buffer, start: number): number {
  return data.readInt32BE(start) * TWO_32 + data.readUInt32BE(start + 4);
}

/** A timestamp as a Date (microseconds dropped, as the text path drops them) or an infinity. */
function decodeTimestamp(data: Buffer, start: number): unknown {
  const high = data.readInt32BE(start);
  if (high === 0x7fffffff && data.readUInt32BE(start + 4) === 0xffffffff) return 'infinity';
  if (high === -0x80000000 && data.readUInt32BE(start + 4) === 0) return '-infinity';
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) {
    return new Date(Math.floor(readMicros(data, start) / 1000) + PG_EPOCH_MS);
  }
  // Beyond ±285 years of 2000 the microseconds do not fit a double: divide exactly.
  const micros = data.readBigInt64BE(start);
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n); // floor, as for positives
  return new Date(Number(millis) + PG_EPOCH_MS);
}

/** High words of microsecond counts within ±2^52, which a double holds exactly. */
const SAFE_HIGH = 2 ** 20;

/** A date: days since 2000-01-01, int32 max and min for the infinities. */
function decodeDate(data: Buffer, start: number): unknown {
  const days = data.readInt32BE(start);
  if (days === 0x7fffffff) return 'infinity';
  if (days === -0x80000000) return '-infinity';
  return formatPgDate(days + PG_EPOCH_DAYS);
}

/** 2000-01-01 as days since 1970-01-01. */
const PG_EPOCH_DAYS = 10_957;

/** An interval: int64 microseconds, int32 days, int32 months, as IntervalStyle iso_8601 prints it. */
function decodeInterval(data: Buffer, start: number): unknown {
  return formatInterval({
    microseconds: data.readBigInt64BE(start),
    days: data.readInt32BE(start + 8),
    months: data.readInt32BE(start + 12),
  });
}

/**
 * PostgreSQL's text for a timestamp given as microseconds since its epoch, with DateStyle ISO
 * and TimeZone UTC (`2022-02-14 10:24:46.5+00`): how a cursor read in binary is saved.
 */
export function formatMicros(micros: number, zoned: boolean): string {
  const days = Math.floor(micros / 86_400_000_000);
  let rest = micros - days * 86_400_000_000;
  const [year, month, day] = civilFromDays(days + 10_957); // 2000-01-01 is day 10957 of 1970
  const hour = Math.floor(rest / 3_600_000_000);
  rest -= hour * 3_600_000_000;
  const minute = Math.floor(rest / 60_000_000);
  rest -= minute * 60_000_000;
  const second = Math.floor(rest / 1_000_000);
  const fraction = rest - second * 1_000_000;
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const bc = year <= 0;
  let text = `${pad(bc ? 1 - year : year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
  if (fraction > 0) text += `.${pad(fraction, 6).replace(/0+$/, '')}`;
  if (zoned) text += '+00';
  return bc ? `${text} BC` : text;
}

/**
 * Where one row ends in binary COPY data that starts a row at `start`: -1 when the data ends
 * inside the row, -2 at the trailer. Throws when a row has another field count than expected.
 */
export function binaryRowEnd(data: Buffer, start: number, fields: number): number {
  const length = data.length;
  if (start + 2 > length) return -1;
  const count = data.readInt16BE(start);
  if (count === -1) return -2;
  if (count !== fields) {
    throw new Error(`binary COPY row with ${count} fields where ${fields} were expected`);
  }
  let p = start + 2;
  for (let i = 0; i < count; i += 1) {
    if (p + 4 > length) return -1;
    const size = data.readInt32BE(p);
    p += size > 0 ? 4 + size : 4;
  }
  return p <= length ? p : -1;
}

/** The length of the header at the start of binary COPY data, or -1 when incomplete. */
export function binaryHeaderLength(data: Buffer): number {
  if (data.length < BINARY_HEADER.length) return -1;
  if (!data.subarray(0, SIGNATURE_LENGTH).equals(BINARY_HEADER.subarray(0, SIGNATURE_LENGTH))) {
    throw new Error('the source did not send binary COPY data');
  }
  const extension = data.readInt32BE(SIGNATURE_LENGTH + 4);
  const total = BINARY_HEADER.length + extension;
  return data.length >= total ? total : -1;
}

/**
 * Appends binary COPY fields to blocks of memory handed out with `take`: rows a transform
 * changed are encoded here, field by field.
 */
export class BinaryWriter {
  #block = Buffer.allocUnsafe(BLOCK);
  #start = 0;
  #end = 0;

  /** The bytes written since the last call, or null. */
  take(): Buffer | null {
    if (this.#end === this.#start) return null;
    const written = this.#block.subarray(this.#start, this.#end);
    this.#start = this.#end;
    return written;
  }

  /** Makes room for `size` more bytes. */
  #room(size: number): void {
    if (this.#end + size <= this.#block.length) return;
    // What is not taken yet moves to a new block; what `take` handed out stays where it is.
    const partial = this.#block.subarray(this.#start, this.#end);
    const block = Buffer.allocUnsafe(Math.max(BLOCK, 2 * (partial.length + size)));
    partial.copy(block);
    this.#block = block;
    this.#start = 0;
    this.#end = partial.length;
  }

  fieldCount(count: number): void {
    this.#room(2);
    this.#end = this.#block.writeInt16BE(count, this.#end);
  }

  nullField(): void {
    this.#room(4);
    this.#end = this.#block.writeInt32BE(-1, this.#end);
  }

  /** A field copied as is: its length word and bytes. */
  rawField(data: Buffer, start: number, end: number): void {
    this.#room(end - start);
    this.#end += data.copy(this.#block, this.#end, start, end);
  }

  int16Field(value: number): void {
    this.#room(6);
    this.#end = this.#block.writeInt32BE(2, this.#end);
    this.#end = this.#block.writeInt16BE(value, this.#end);
  }

  int32Field(value: number): void {
    this.#room(8);
    this.#end = this.#block.writeInt32BE(4, this.#end);
    this.#end = this.#block.writeInt32BE(value, this.#end);
  }

  bigintField(value: bigint): void {
    this.#room(12);
    this.#end = this.#block.writeInt32BE(8, this.#end);
    this.#end = this.#block.writeBigInt64BE(value, this.#end);
  }

  booleanField(value: boolean): void {
    this.#room(5);
    this.#end = this.#block.writeInt32BE(1, this.#end);
    this.#end = this.#block.writeUInt8(value ? 1 : 0, this.#end);
  }

  /** A timestamp: a `Date`, or `infinity`/`-infinity`. */
  dateField(value: Date | string): void {
    this.#room(12);
    this.#end = this.#block.writeInt32BE(8, this.#end);
    if (typeof value === 'string') {
      this.#end = this.#block.writeBigInt64BE(
        value === 'infinity' ? INT64_MAX : -INT64_MAX - 1n,
        this.#end,
      );
      return;
    }
    const millis = value.getTime() - PG_EPOCH_MS;
    const micros = millis * 1000;
    if (Math.abs(micros) >= 2 ** 52) {
      this.#end = this.#block.writeBigInt64BE(BigInt(millis) * 1000n, this.#end);
      return;
    }
    const high = Math.floor(micros / TWO_32);
    this.#end = this.#block.writeInt32BE(high, this.#end);
    this.#end = this.#block.writeUInt32BE(micros - high * TWO_32, this.#end);
  }

  /** A date given as PostgreSQL's text (validated): days since 2000-01-01. */
  dateDaysField(value: string): void {
    const days = pgDateDays(value) as number;
    this.#room(8);
    this.#end = this.#block.writeInt32BE(4, this.#end);
    const wire =
      days === Number.POSITIVE_INFINITY
        ? 0x7fffffff
        : days === Number.NEGATIVE_INFINITY
          ? -0x80000000
          : days - PG_EPOCH_DAYS;
    this.#end = this.#block.writeInt32BE(wire, this.#end);
  }

  realField(value: number): void {
    this.#room(8);
    this.#end = this.#block.writeInt32BE(4, this.#end);
    this.#end = this.#block.writeFloatBE(value, this.#end);
  }

  doubleField(value: number): void {
    this.#room(12);
    this.#end = this.#block.writeInt32BE(8, this.#end);
    this.#end = this.#block.writeDoubleBE(value, this.#end);
  }

  /** An interval given as ISO 8601 text (validated). */
  intervalField(value: string): void {
    const fields = parseInterval(value);
    if (fields === undefined) throw new TypeError(`not an interval: ${value}`);
    this.#room(20);
    this.#end = this.#block.writeInt32BE(16, this.#end);
    this.#end = this.#block.writeBigInt64BE(fields.microseconds, this.#end);
    this.#end = this.#block.writeInt32BE(fields.days, this.#end);
    this.#end = this.#block.writeInt32BE(fields.months, this.#end);
  }

  textField(value: string): void {
    const size = Buffer.byteLength(value);
    this.#room(4 + size);
    this.#end = this.#block.writeInt32BE(size, this.#end);
    this.#end += this.#block.write(value, this.#end, 'utf8');
  }
}

const BLOCK = 64 * 1024;
const INT64_MAX = 2n ** 63n - 1n;
