/**
 * PostgreSQL's binary COPY format, for every column kind (see {@link BINARY_KINDS}; tsvector
 * and custom ones are read as their text and written in text COPY only): a header, then per row a 16-bit field count and per field a 32-bit length (-1 for NULL) and the
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

import {
  arrayElementsFit,
  arrayText,
  decodeArray,
  decodeNetwork,
  decodeNumeric,
  decodeUuid,
  encodeArray,
  encodeNetwork,
  encodeNumeric,
  numericFits,
  retagArrayField,
  uuidBytes,
} from './binary-formats.ts';
import type { WordWriter } from './binary-formats.ts';
import { arrayLiteral, codecFor } from './codecs.ts';
import { unescapeField } from './copy-text.ts';

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

/** How one kind's values are read from and written to binary COPY data. */
export interface BinaryCodec {
  /** The value of a non-null field whose bytes are `data[start..end)`. */
  decode(data: Buffer, start: number, end: number): unknown;
  /** Writes a non-null, validated value: its length word, then its bytes. */
  encode(value: unknown, out: BinaryWriter): void;
  /**
   * PostgreSQL's text for the field (SESSION_SETTINGS), where the text codec's encoding of the
   * decoded value would not be exactly that (microseconds, jsonb's spacing, array quoting).
   */
  text?(data: Buffer, start: number, end: number): string;
}

/** A kind's binary COPY form: what it crosses the wire as, where it lands, how it is coded. */
interface BinaryKind {
  /** The SQL type a source column is cast to in a binary read. */
  wire(meta: ColumnMeta): string;
  /**
   * The live target column types (`format_type(atttypid, NULL)`) that take this kind's
   * binary form.
   */
  targets(meta: ColumnMeta, liveType: string): boolean;
  /** The codec; `elementOid` is the target's array element type (arrays only). */
  codec(meta: ColumnMeta, elementOid: number | undefined): BinaryCodec;
  /** The element type's OID when the target's is not known (arrays of this kind). */
  oid: number | undefined;
  /**
   * What proves a value valid from its bytes alone (see {@link WireCheck}): {@link ALWAYS}
   * when the wire type guarantees the contract, undefined when every value must be decoded.
   */
  certain(meta: ColumnMeta): WireCheck | undefined;
}

/**
 * A check of a non-null field's bytes, `data[start..end)`: true only when the value certainly
 * decodes to one its column's contract accepts (so a projection can pass it through without
 * decoding it); false when it cannot tell, and the value is decoded and validated.
 */
export type WireCheck = (data: Buffer, start: number, end: number) => boolean;

/** The check of a column whose every wire value fits its contract (its NULLs aside). */
export const ALWAYS: WireCheck = () => true;
const always = (): WireCheck => ALWAYS;
const never = (): undefined => undefined;

/**
 * A kind written in text COPY only, and why. A binary read still carries it: the SELECT casts
 * it to text (its output function, what text COPY prints) and it is read as that text.
 */
interface TextOnlyKind {
  textOnly: string;
}

const exactly =
  (...types: string[]) =>
  (_meta: ColumnMeta, live: string): boolean =>
    types.includes(live);

const same = (type: string) => (): string => type;

/**
 * `data.toString('utf8', start, end)` without its argument handling, for offsets known to lie
 * within the chunk (a complete row's fields): Buffer's own UTF-8 slice, which toString calls.
 */
const utf8 = (data: Buffer, start: number, end: number): string =>
  (data as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);

const textCodec: BinaryCodec = {
  decode: utf8,
  encode: (value, out) => out.textField(value as string),
};

/** A bit string as `bit_send` writes it: int32 bit count, then the bits packed, zero-padded. */
const bitCodec: BinaryCodec = {
  decode: (data, start) => {
    const bits = data.readInt32BE(start);
    let text = '';
    for (let i = 0; i < bits; i += 1) {
      text += (data[start + 4 + (i >> 3)] as number) & (0x80 >> (i & 7)) ? '1' : '0';
    }
    return text;
  },
  encode: (value, out) => out.bytesField(bitBytes(value as string)),
};

/** A validated bit string (`0`s and `1`s) in its binary form, without the field's length. */
export function bitBytes(bits: string): Buffer {
  const bytes = Buffer.alloc(4 + Math.ceil(bits.length / 8));
  bytes.writeInt32BE(bits.length, 0);
  for (let i = 0; i < bits.length; i += 1) {
    const at = 4 + (i >> 3);
    if (bits.charCodeAt(i) === 49) bytes[at] = (bytes[at] as number) | (0x80 >> (i & 7));
  }
  return bytes;
}

/** A codec that needs no metadata. */
const fixed = (codec: BinaryCodec) => (): BinaryCodec => codec;

/**
 * Every column kind, with its binary COPY form or the reason it has none: the one place a
 * kind's binary support is declared (a new kind fails compilation until it is listed here).
 * The README lists the text-only kinds.
 */
export const BINARY_KINDS: { readonly [K in ColumnKind]: BinaryKind | TextOnlyKind } = {
  smallint: {
    wire: same('smallint'),
    targets: exactly('smallint'),
    oid: 21,
    certain: (meta) => boundedInteger(meta, (data, start) => data.readInt16BE(start)),
    codec: fixed({
      decode: (data, start) => data.readInt16BE(start),
      encode: (value, out) => out.int16Field(value as number),
    }),
  },
  integer: {
    wire: same('integer'),
    targets: exactly('integer'),
    oid: 23,
    certain: (meta) => boundedInteger(meta, (data, start) => data.readInt32BE(start)),
    codec: fixed({
      decode: (data, start) => data.readInt32BE(start),
      encode: (value, out) => out.int32Field(value as number),
    }),
  },
  bigint: {
    wire: same('bigint'),
    targets: exactly('bigint'),
    oid: 20,
    certain: always,
    codec: fixed({
      decode: (data, start) => data.readBigInt64BE(start),
      encode: (value, out) => out.bigintField(value as bigint),
    }),
  },
  numeric: {
    wire: same('numeric'),
    targets: exactly('numeric'),
    oid: 1700,
    certain: numericCheck,
    codec: fixed({
      decode: decodeNumeric,
      encode: (value, out) => encodeNumeric(value as string, out),
    }),
  },
  money: {
    wire: same('money'),
    targets: exactly('money'),
    oid: 790,
    certain: never,
    codec: fixed({
      decode: (data, start) => formatMoney(data.readBigInt64BE(start)),
      encode: (value, out) => out.bigintField(moneyCents(value as string) as bigint),
    }),
  },
  real: {
    wire: same('real'),
    targets: exactly('real'),
    oid: 700,
    certain: always,
    codec: fixed({
      decode: (data, start) => data.readFloatBE(start),
      encode: (value, out) => out.realField(value as number),
    }),
  },
  double: {
    wire: same('double precision'),
    targets: exactly('double precision'),
    oid: 701,
    certain: always,
    codec: fixed({
      decode: (data, start) => data.readDoubleBE(start),
      encode: (value, out) => out.doubleField(value as number),
    }),
  },
  text: {
    wire: same('text'),
    targets: exactly('text', 'character varying'),
    oid: 25,
    certain: lengthCheck,
    codec: fixed(textCodec),
  },
  varchar: {
    wire: same('text'),
    targets: exactly('text', 'character varying'),
    oid: 1043,
    certain: lengthCheck,
    codec: fixed(textCodec),
  },
  // bpchar, not char (a one-byte type); its binary form is the padded text.
  char: {
    wire: same('bpchar'),
    targets: exactly('character', 'text', 'character varying'),
    oid: 1042,
    certain: lengthCheck,
    codec: fixed(textCodec),
  },
  boolean: {
    wire: same('boolean'),
    targets: exactly('boolean'),
    oid: 16,
    certain: always,
    codec: fixed({
      decode: (data, start) => data[start] !== 0,
      encode: (value, out) => out.booleanField(value as boolean),
    }),
  },
  date: {
    wire: same('date'),
    targets: exactly('date'),
    oid: 1082,
    certain: always,
    codec: fixed({
      decode: decodeDate,
      encode: (value, out) => out.dateDaysField(value as string),
    }),
  },
  timestamp: {
    wire: same('timestamp without time zone'),
    targets: exactly('timestamp without time zone'),
    oid: 1114,
    certain: () => timestampCheck,
    codec: fixed({
      decode: decodeTimestamp,
      encode: (value, out) => out.dateField(value as Date),
      text: (data, start) => timestampText(data, start, false),
    }),
  },
  timestamptz: {
    wire: same('timestamp with time zone'),
    targets: exactly('timestamp with time zone'),
    oid: 1184,
    certain: () => timestampCheck,
    codec: fixed({
      decode: decodeTimestamp,
      encode: (value, out) => out.dateField(value as Date),
      text: (data, start) => timestampText(data, start, true),
    }),
  },
  bytea: {
    wire: same('bytea'),
    targets: exactly('bytea'),
    oid: 17,
    certain: always,
    codec: fixed({
      // A copy: a slice would keep the whole chunk it came in alive.
      decode: (data, start, end) => Buffer.from(data.subarray(start, end)),
      encode: (value, out) => out.bytesField(value as Buffer),
    }),
  },
  // jsonb's binary form is a version byte (1), then the text jsonb_out prints.
  jsonb: {
    wire: same('jsonb'),
    targets: exactly('jsonb'),
    oid: 3802,
    certain: () => jsonbCheck,
    codec: fixed({
      decode: (data, start, end) => decodeJsonb(data, start, end),
      encode: (value, out) => out.jsonbField(JSON.stringify(value)),
      text: (data, start, end) => data.toString('utf8', start + 1, end),
    }),
  },
  // json's binary form is its text.
  json: {
    wire: same('json'),
    targets: exactly('json'),
    oid: 114,
    codec: fixed(textCodec),
    certain: always,
  },
  interval: {
    wire: same('interval'),
    targets: exactly('interval'),
    oid: 1186,
    certain: always,
    codec: fixed({
      decode: decodeInterval,
      encode: (value, out) => out.intervalField(value as string),
    }),
  },
  inet: {
    wire: same('inet'),
    targets: exactly('inet'),
    oid: 869,
    certain: never,
    codec: fixed({
      decode: (data, start) => decodeNetwork(data, start, false),
      encode: (value, out) => encodeNetwork(value as string, false, out),
    }),
  },
  cidr: {
    wire: same('cidr'),
    targets: exactly('cidr'),
    oid: 650,
    certain: never,
    codec: fixed({
      decode: (data, start) => decodeNetwork(data, start, true),
      encode: (value, out) => encodeNetwork(value as string, true, out),
    }),
  },
  tsvector: {
    textOnly:
      'its binary form is sorted, de-duplicated lexemes with packed positions: writing one ' +
      "from a transform's text would mean re-implementing tsvector's parser",
  },
  // bit and bit varying share one binary form: int32 bit count, then the bits packed
  // most significant first, the last byte padded with zeros. Both are read as bit varying, so
  // a source of another length is never padded or cut by the cast (validation refuses it).
  bit: {
    wire: same('bit varying'),
    targets: exactly('bit'),
    oid: 1560,
    certain: never,
    codec: fixed(bitCodec),
  },
  varbit: {
    wire: same('bit varying'),
    targets: exactly('bit varying'),
    oid: 1562,
    certain: never,
    codec: fixed(bitCodec),
  },
  // xml's binary form is its text in the client encoding (UTF-8 here), with no encoding
  // declaration: what xml_out prints.
  xml: {
    wire: same('xml'),
    targets: exactly('xml'),
    oid: 142,
    codec: fixed(textCodec),
    certain: never,
  },
  uuid: {
    wire: same('uuid'),
    targets: exactly('uuid'),
    oid: 2950,
    certain: always,
    codec: fixed({
      decode: decodeUuid,
      encode: (value, out) => out.bytesField(uuidBytes(value as string)),
    }),
  },
  // An enum's binary form is its label's text: read as text, written into the enum column
  // (the target's type, whatever its OID) or a text one.
  enum: {
    wire: same('text'),
    targets: (meta, live) =>
      live === 'text' ||
      live === 'character varying' ||
      unqualified(live) === unqualified(meta.sqlType),
    oid: undefined,
    certain: enumCheck,
    codec: fixed(textCodec),
  },
  array: {
    wire: (meta) =>
      `${(kindOf(meta.element as ColumnMeta, 'read') as BinaryKind).wire(meta.element as ColumnMeta)}[]`,
    targets: (meta, live) =>
      live.endsWith('[]') && acceptsBinary(meta.element as ColumnMeta, live.slice(0, -2)),
    oid: undefined,
    certain: arrayCheck,
    codec: (meta, elementOid) => arrayCodec(meta.element as ColumnMeta, elementOid),
  },
  custom: { textOnly: 'its SQL type is not known to the loader (point, macaddr...)' },
};

/**
 * A kind's binary form for reading (text-only kinds as their text) or for writing (undefined
 * for a text-only kind or an array of one).
 */
function kindOf(meta: ColumnMeta, use: 'read' | 'write'): BinaryKind | undefined {
  const kind = BINARY_KINDS[meta.kind];
  if ('textOnly' in kind) return use === 'read' ? READ_AS_TEXT : undefined;
  if (meta.kind === 'array') {
    const element = meta.element;
    if (element === undefined || element.kind === 'array' || kindOf(element, use) === undefined) {
      return undefined;
    }
  }
  return kind;
}

/** How a text-only kind crosses a binary read: cast to text, read as the text path reads it. */
const READ_AS_TEXT: BinaryKind = {
  wire: same('text'),
  targets: () => false,
  oid: 25,
  certain: never,
  codec: fixed({
    decode: textCodec.decode,
    encode: () => {
      throw new Error('a text-only kind has no binary COPY form to write');
    },
  }),
};

/** A type name without its schema or quotes: `"pt".mood` is `mood`. */
function unqualified(type: string): string {
  const name = type.replaceAll('"', '');
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * The type a source column is cast to in a binary read (text for a text-only kind), or
 * undefined for a column no binary read can carry (arrays of arrays).
 */
export function binaryWireType(meta: ColumnMeta): string | undefined {
  return kindOf(meta, 'read')?.wire(meta);
}

/** Whether a target column can be written in binary COPY (its kind is not text-only). */
export function writesBinary(meta: ColumnMeta): boolean {
  return kindOf(meta, 'write') !== undefined;
}

/**
 * Whether a live target column (its type as `format_type(atttypid, NULL)` prints it) takes
 * the binary form of a contract column.
 */
export function acceptsBinary(meta: ColumnMeta, liveType: string): boolean {
  return kindOf(meta, 'write')?.targets(meta, liveType) ?? false;
}

/**
 * The binary codec of a supported kind. An array's encoder writes `elementOid` (the target
 * column's element type, which PostgreSQL checks) in its header; without it, the element
 * kind's own type (text for an enum's).
 */
export function binaryCodecFor(meta: ColumnMeta, elementOid?: number): BinaryCodec {
  const kind = kindOf(meta, 'read');
  if (kind === undefined) throw new Error(`no binary COPY codec for ${meta.kind} columns`);
  return kind.codec(meta, elementOid);
}

/**
 * What proves a column's non-null values valid from their bytes (see {@link WireCheck}), or
 * undefined when its values must be decoded (a kind without such a check, or read as text).
 */
export function certainCheck(meta: ColumnMeta): WireCheck | undefined {
  return kindOf(meta, 'read')?.certain(meta);
}

/** smallint and integer: within the contract's bounds, when it has any. */
function boundedInteger(
  meta: ColumnMeta,
  read: (data: Buffer, start: number) => number,
): WireCheck {
  if (meta.min === undefined && meta.max === undefined) return ALWAYS;
  const min = meta.min ?? Number.NEGATIVE_INFINITY;
  const max = meta.max ?? Number.POSITIVE_INFINITY;
  return (data, start) => {
    const value = read(data, start);
    return value >= min && value <= max;
  };
}

/** numeric(p, s): see {@link numericFits}; unbounded numeric takes every value. */
function numericCheck(meta: ColumnMeta): WireCheck {
  const { precision, scale = 0 } = meta;
  if (precision === undefined) return ALWAYS;
  return (data, start) => numericFits(data, start, precision, scale);
}

/**
 * Text with a length limit: its UTF-8 bytes bound its UTF-16 length (what the contract
 * counts) from above; PostgreSQL text holds no NUL.
 */
function lengthCheck(meta: ColumnMeta): WireCheck {
  const maxLength = meta.maxLength;
  if (maxLength === undefined) return ALWAYS;
  return (_data, start, end) => end - start <= maxLength;
}

/** A timestamp within ±142 years of 2000 (a valid Date), or an infinity. */
const timestampCheck: WireCheck = (data, start) => {
  const high = data.readInt32BE(start);
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) return true;
  const low = data.readUInt32BE(start + 4);
  return (high === 0x7fffffff && low === 0xffffffff) || (high === -0x80000000 && low === 0);
};

const PROTO = Buffer.from('__proto__');

/**
 * jsonb: version 1, then jsonb_out's text, which prints numbers as numeric does (never with an
 * exponent). Without a run of over 300 digits (a number JSON.parse would make infinite), an
 * exponent outside a string (`1e999` is valid JSON and a valid jsonb, which JSON.parse makes
 * infinite: bytes PostgreSQL would load though no source writes them), with at most 64
 * brackets (the depth the validator walks) and no `__proto__` key (which it refuses), the text
 * certainly parses to plain JSON the contract accepts.
 */
const jsonbCheck: WireCheck = (data, start, end) => {
  if (data[start] !== 1) return false;
  let digits = 0;
  let brackets = 0;
  // Inside a string a digit and an `e` are text (`"550e8400"`), not an exponent.
  let quoted = false;
  for (let i = start + 1; i < end; i += 1) {
    const c = data[i] as number;
    if (c >= 0x30 && c <= 0x39) {
      digits += 1;
      if (digits > 300) return false;
      continue;
    }
    if (digits > 0 && (c === 0x65 || c === 0x45) && !quoted) return false;
    digits = 0;
    if (c === 0x22) {
      quoted = !quoted;
    } else if (c === 0x5c) {
      i += 1; // the byte after a backslash (the quote of `\"`) never ends a string
    } else if (c === 0x5b || c === 0x7b) {
      brackets += 1;
      if (brackets > 64) return false;
    } else if (
      c === 0x5f &&
      i + PROTO.length <= end &&
      data.compare(PROTO, 0, PROTO.length, i, i + PROTO.length) === 0
    ) {
      return false;
    }
  }
  return true;
};

/** An enum's label is one of the contract's values. */
function enumCheck(meta: ColumnMeta): WireCheck {
  const values = new Set(meta.values);
  return (data, start, end) => values.has(utf8(data, start, end));
}

/**
 * An array: empty, or one dimension with lower bound 1 (what the contract describes), its NULL
 * elements allowed by the element contract, every other element certain by the element's
 * check (see {@link arrayElementsFit}). Undefined when the element kind has no check.
 */
function arrayCheck(meta: ColumnMeta): WireCheck | undefined {
  const element = meta.element;
  const inner = element === undefined ? undefined : certainCheck(element);
  if (element === undefined || inner === undefined) return undefined;
  const each = inner === ALWAYS ? undefined : inner;
  return (data, start) => arrayElementsFit(data, start, element.nullable, each);
}

/** The kinds that always take text COPY, with the reason. */
export function textOnlyKinds(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(BINARY_KINDS).flatMap(([kind, form]) =>
      'textOnly' in form ? [[kind, form.textOnly]] : [],
    ),
  );
}

function arrayCodec(element: ColumnMeta, elementOid: number | undefined): BinaryCodec {
  const codec = binaryCodecFor(element);
  const oid = elementOid ?? (kindOf(element, 'read') as BinaryKind).oid ?? TEXT_OID;
  const literal = (values: readonly unknown[]): string => arrayLiteral(values, element);
  const textCodec = codecFor(element);
  const elementText =
    codec.text ??
    ((data: Buffer, start: number, end: number): string =>
      unescapeField(textCodec.encode(codec.decode(data, start, end))));
  const text = (data: Buffer, start: number): string => arrayText(data, start, elementText);
  return {
    // Several dimensions or another lower bound: PostgreSQL's own text for it, as text COPY
    // reads it, which validation rejects saying why.
    decode: (data, start) => {
      const value = decodeArray(data, start, codec, literal);
      return typeof value === 'string' ? text(data, start) : value;
    },
    encode: (value, out) => encodeArray(value as unknown[], oid, codec, out),
    text,
  };
}

/** A timestamp's text from its microseconds (`infinity` and `-infinity` as such). */
function timestampText(data: Buffer, start: number, zoned: boolean): string {
  const value = decodeTimestamp(data, start);
  if (typeof value === 'string') return value;
  return formatMicros(readMicros(data, start), zoned);
}

const TEXT_OID = 25;

/** jsonb: version 1, then its text; parsed as the text path parses it. */
function decodeJsonb(data: Buffer, start: number, end: number): unknown {
  const text = utf8(data, start + 1, end);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Microseconds since PostgreSQL's epoch at `start` (exact within ±285 years of 2000). */
export function readMicros(data: Buffer, start: number): number {
  return data.readInt32BE(start) * TWO_32 + data.readUInt32BE(start + 4);
}

/** A timestamp as a Date (microseconds dropped, as the text path drops them) or an infinity. */
function decodeTimestamp(data: Buffer, start: number): unknown {
  const high = data.readInt32BE(start);
  // The common case first (the infinities' high words are outside it).
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) {
    const micros = high * TWO_32 + data.readUInt32BE(start + 4);
    return new Date(Math.floor(micros / 1000) + PG_EPOCH_MS);
  }
  if (high === 0x7fffffff && data.readUInt32BE(start + 4) === 0xffffffff) return 'infinity';
  if (high === -0x80000000 && data.readUInt32BE(start + 4) === 0) return '-infinity';
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
  const days = data.readInt32BE(start + 8);
  const months = data.readInt32BE(start + 12);
  const high = data.readInt32BE(start);
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) {
    return formatIntervalMicros(months, days, readMicros(data, start));
  }
  return formatInterval({ microseconds: data.readBigInt64BE(start), days, months });
}

/**
 * formatInterval's text for microseconds a double holds exactly (within ±2^52, about 142
 * years), without BigInt: remainders (`%` truncates as C and BigInt's `/` do) and exact
 * divisions of their differences.
 */
export function formatIntervalMicros(months: number, days: number, micros: number): string {
  if (months === 0 && days === 0 && micros === 0) return 'PT0S';
  const years = Math.trunc(months / 12);
  let text = `P${unit(years, 'Y')}${unit(months - years * 12, 'M')}${unit(days, 'D')}`;
  if (micros !== 0) {
    const belowHour = micros % 3_600_000_000;
    const rest = belowHour % 60_000_000;
    text += `T${unit((micros - belowHour) / 3_600_000_000, 'H')}${unit((belowHour - rest) / 60_000_000, 'M')}`;
    if (rest !== 0) {
      const abs = rest < 0 ? -rest : rest;
      const fraction = abs % 1_000_000;
      const digits = String(fraction).padStart(6, '0').replace(/0+$/, '');
      text += `${rest < 0 ? '-' : ''}${(abs - fraction) / 1_000_000}${digits === '' ? '' : `.${digits}`}S`;
    }
  }
  return text;
}

function unit(value: number, letter: string): string {
  return value === 0 ? '' : `${value}${letter}`;
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
export class BinaryWriter implements WordWriter {
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

  /**
   * An array field (its length word and bytes, `data[start..end)`) copied as it came, with
   * `elementOid` written into its header (PostgreSQL checks it against the target column's).
   */
  rawArrayField(data: Buffer, start: number, end: number, elementOid: number): void {
    this.#room(end - start);
    const at = this.#end;
    this.#end += data.copy(this.#block, this.#end, start, end);
    retagArrayField(this.#block, at, elementOid);
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

  /** Reserves a field's length word; returns its place for `endField`. */
  beginField(): number {
    this.#room(4);
    this.#end += 4;
    // Relative to what is not taken yet, which `#room` moves as a whole.
    return this.#end - this.#start - 4;
  }

  /** Writes the length of the field begun at `mark` (see `beginField`). */
  endField(mark: number): void {
    const at = this.#start + mark;
    this.#block.writeInt32BE(this.#end - at - 4, at);
  }

  /** A 16-bit word, signed or not (`-2` and `0xfffe` are the same bits). */
  int16(value: number): void {
    this.#room(2);
    this.#end = this.#block.writeUInt16BE(value & 0xffff, this.#end);
  }

  /** A 32-bit word, signed or not (OIDs are unsigned). */
  int32(value: number): void {
    this.#room(4);
    this.#end = this.#block.writeUInt32BE(value >>> 0, this.#end);
  }

  /** Bytes, without a length word. */
  bytes(data: Buffer): void {
    this.#room(data.length);
    this.#end += data.copy(this.#block, this.#end);
  }

  /** A field of raw bytes (bytea, uuid). */
  bytesField(value: Buffer): void {
    this.#room(4 + value.length);
    this.#end = this.#block.writeInt32BE(value.length, this.#end);
    this.#end += value.copy(this.#block, this.#end);
  }

  /** A jsonb field: version 1, then the JSON text. */
  jsonbField(json: string): void {
    const size = Buffer.byteLength(json);
    this.#room(5 + size);
    this.#end = this.#block.writeInt32BE(size + 1, this.#end);
    this.#end = this.#block.writeUInt8(1, this.#end);
    this.#end += this.#block.write(json, this.#end, 'utf8');
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
