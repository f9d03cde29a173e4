/**
 * The binary wire forms of the kinds whose form is more than a number or text: numeric,
 * uuid, inet/cidr and arrays. Each decoder returns what PostgreSQL's text output (under
 * SESSION_SETTINGS) would have been decoded to, so a table reads the same in binary and in
 * text; each encoder writes the bytes PostgreSQL's own `*_send` writes for the value.
 */

/** What the encoders write with: BinaryWriter's low-level calls. */
export interface WordWriter {
  /** Reserves a field's length word; `endField` fills it in. */
  beginField(): number;
  endField(mark: number): void;
  int16(value: number): void;
  int32(value: number): void;
  bytes(data: Buffer): void;
  nullField(): void;
}

// numeric: int16 ndigits, int16 weight, uint16 sign, uint16 dscale, then ndigits base-10000
// digits (int16), the first of which is the 10000^weight one.
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/** A numeric as PostgreSQL prints it (`numeric_out`): dscale fraction digits, no exponent. */
export function decodeNumeric(data: Buffer, start: number): string {
  const ndigits = data.readInt16BE(start);
  const weight = data.readInt16BE(start + 2);
  const sign = data.readUInt16BE(start + 4);
  const dscale = data.readUInt16BE(start + 6) & 0x3fff;
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  const at = (d: number): number =>
    d >= 0 && d < ndigits ? data.readInt16BE(start + 8 + 2 * d) : 0;
  let text = sign === NUMERIC_NEG ? '-' : '';
  if (weight < 0) {
    text += '0';
  } else {
    text += String(at(0));
    for (let d = 1; d <= weight; d += 1) text += String(at(d)).padStart(4, '0');
  }
  if (dscale > 0) {
    let fraction = '';
    for (let d = weight + 1; fraction.length < dscale; d += 1) {
      fraction += String(at(d)).padStart(4, '0');
    }
    text += `.${fraction.slice(0, dscale)}`;
  }
  return text;
}

/**
 * Whether a numeric's bytes print (`numeric_out`) within numeric(precision, scale): at most
 * `scale` fraction digits (its dscale) and `precision - scale` integer digits (leading zeros
 * aside), or NaN; the infinities do not.
 */
export function numericFits(
  data: Buffer,
  start: number,
  precision: number,
  scale: number,
): boolean {
  const sign = data.readUInt16BE(start + 4);
  if (sign === NUMERIC_NAN) return true;
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) return false;
  if ((data.readUInt16BE(start + 6) & 0x3fff) > scale) return false;
  const weight = data.readInt16BE(start + 2);
  if (weight < 0) return true; // the integer part prints as 0
  const first = data.readInt16BE(start) > 0 ? data.readInt16BE(start + 8) : 0;
  if (first === 0) return weight === 0;
  const digits = (first >= 1000 ? 4 : first >= 100 ? 3 : first >= 10 ? 2 : 1) + 4 * weight;
  return digits <= precision - scale;
}

const NUMERIC_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A numeric given as a contract value (`-?\d+(\.\d+)?`, `NaN`, `Infinity`, `-Infinity`) as
 * `numeric_send` writes it: no leading or trailing zero digits, zero positive with weight 0,
 * dscale the number of fraction digits written (so `1.50` stays `1.50`).
 */
export function encodeNumeric(value: string, out: WordWriter): void {
  const special =
    value === 'NaN'
      ? NUMERIC_NAN
      : value === 'Infinity'
        ? NUMERIC_PINF
        : value === '-Infinity'
          ? NUMERIC_NINF
          : undefined;
  const mark = out.beginField();
  if (special !== undefined) {
    out.int16(0);
    out.int16(0);
    out.int16(special);
    // What numeric_send writes (the special value's header bits read as a dscale); unread.
    out.int16(special === NUMERIC_NAN ? 0 : 32);
    out.endField(mark);
    return;
  }
  const match = NUMERIC_TEXT.exec(value);
  if (match === null) throw new TypeError(`not a numeric: ${value}`);
  const [, minus = '', whole = '', fraction = ''] = match;
  const integer = whole.replace(/^0+/, '');
  const left = integer.padStart(Math.ceil(integer.length / 4) * 4, '0');
  const right = fraction.padEnd(Math.ceil(fraction.length / 4) * 4, '0');
  const digits = left + right;
  let first = 0;
  let last = digits.length / 4;
  let weight = left.length / 4 - 1;
  while (first < last && digits.slice(4 * first, 4 * first + 4) === '0000') {
    first += 1;
    weight -= 1;
  }
  while (last > first && digits.slice(4 * last - 4, 4 * last) === '0000') last -= 1;
  const zero = first === last;
  if (fraction.length > 0x3fff) throw new RangeError(`numeric scale beyond 16383: ${value}`);
  out.int16(last - first);
  out.int16(zero ? 0 : weight);
  out.int16(minus === '-' && !zero ? NUMERIC_NEG : NUMERIC_POS);
  out.int16(fraction.length);
  for (let d = first; d < last; d += 1) out.int16(Number(digits.slice(4 * d, 4 * d + 4)));
  out.endField(mark);
}

/** A uuid as PostgreSQL prints it: lowercase hex in 8-4-4-4-12 groups. */
export function decodeUuid(data: Buffer, start: number): string {
  const hex = data.toString('hex', start, start + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A uuid's 16 bytes from its text (either case, with or without the dashes). */
export function uuidBytes(value: string): Buffer {
  const hex = value.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a uuid: ${value}`);
  return Buffer.from(hex, 'hex');
}

// inet/cidr: family (2 IPv4, 3 IPv6), bits, is_cidr, address length, address bytes.
const AF_INET = 2;
const AF_INET6 = 3;

/**
 * An inet or cidr as PostgreSQL prints it (`inet_net_ntop`): IPv4 dotted, IPv6 with the
 * longest run of two or more zero words as `::` and an embedded IPv4 dotted; the prefix
 * length when not all bits, and always for a cidr.
 */
export function decodeNetwork(data: Buffer, start: number, cidr: boolean): string {
  const family = data[start] as number;
  const bits = data[start + 1] as number;
  const address = start + 4;
  let text: string;
  if (family === AF_INET) {
    text = `${data[address]}.${data[address + 1]}.${data[address + 2]}.${data[address + 3]}`;
    return bits !== 32 || cidr ? `${text}/${bits}` : text;
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 1) words.push(data.readUInt16BE(address + 2 * i));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i += 1) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  text = '';
  for (let i = 0; i < 8; i += 1) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    const embedsV4 =
      i === 6 &&
      best.base === 0 &&
      (best.len === 6 ||
        (best.len === 7 && words[7] !== 0x0001) ||
        (best.len === 5 && words[5] === 0xffff));
    if (embedsV4) {
      text += `${data[address + 12]}.${data[address + 13]}.${data[address + 14]}.${data[address + 15]}`;
      break;
    }
    text += (words[i] as number).toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) text += ':';
  return bits !== 128 || cidr ? `${text}/${bits}` : text;
}

/** An inet or cidr value (validated text) as `inet_send` writes it. */
export function encodeNetwork(value: string, cidr: boolean, out: WordWriter): void {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const v4 = !address.includes(':');
  const bytes = v4 ? ipv4Bytes(address) : ipv6Bytes(address);
  const max = v4 ? 32 : 128;
  const bits = slash < 0 ? max : Number(value.slice(slash + 1));
  if (bytes === undefined || !Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new TypeError(`not an ${cidr ? 'cidr' : 'inet'}: ${value}`);
  }
  const mark = out.beginField();
  out.bytes(Buffer.from([v4 ? AF_INET : AF_INET6, bits, cidr ? 1 : 0, bytes.length]));
  out.bytes(Buffer.from(bytes));
  out.endField(mark);
}

function ipv4Bytes(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.map(Number);
}

function ipv6Bytes(address: string): number[] | undefined {
  let text = address;
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = ipv4Bytes(dotted[1] as string);
    if (v4 === undefined) return undefined;
    tail = v4;
    text = `${text.slice(0, -(dotted[1] as string).length)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const words = [...left, ...Array<number>(missing).fill(0), ...right];
  if (words.some((w) => Number.isNaN(w))) return undefined;
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length > 0) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** How an array's elements are read and written (the element kind's binary codec). */
export interface ElementCodec<W extends WordWriter = WordWriter> {
  decode(data: Buffer, start: number, end: number): unknown;
  encode(value: unknown, out: W): void;
}

/**
 * A one-dimensional array with lower bound 1 (what contracts describe) as a JS array of its
 * elements' values. Anything else (several dimensions, another lower bound) comes back as
 * PostgreSQL's text for it, which validation rejects as not an array, as on the text path.
 */
export function decodeArray(
  data: Buffer,
  start: number,
  element: Pick<ElementCodec, 'decode'>,
  text: (values: readonly unknown[]) => string,
): unknown {
  const ndim = data.readInt32BE(start);
  if (ndim === 0) return [];
  const dims: [number, number][] = [];
  let p = start + 12;
  for (let d = 0; d < ndim; d += 1) {
    dims.push([data.readInt32BE(p), data.readInt32BE(p + 4)]);
    p += 8;
  }
  const count = dims.reduce((n, [size]) => n * size, 1);
  const items: unknown[] = new Array<unknown>(count);
  for (let i = 0; i < count; i += 1) {
    const length = data.readInt32BE(p);
    p += 4;
    items[i] = length < 0 ? null : element.decode(data, p, p + length);
    if (length > 0) p += length;
  }
  const [first] = dims;
  if (ndim === 1 && first !== undefined && first[1] === 1) return items;
  return nestedText(items, dims, text);
}

/** `[0:1]={...}` or `{{..},{..}}`: a multi-dimensional or offset array as PostgreSQL prints it. */
function nestedText(
  items: readonly unknown[],
  dims: readonly [number, number][],
  text: (values: readonly unknown[]) => string,
): string {
  const nest = (from: number, level: number): string => {
    const [size] = dims[level] as [number, number];
    if (level === dims.length - 1) return text(items.slice(from, from + size));
    const inner = dims.slice(level + 1).reduce((n, [s]) => n * s, 1);
    const parts = Array.from({ length: size }, (_, i) => nest(from + i * inner, level + 1));
    return `{${parts.join(',')}}`;
  };
  const offset = dims.some(([, lower]) => lower !== 1);
  const bounds = dims.map(([size, lower]) => `[${lower}:${lower + size - 1}]`).join('');
  return `${offset ? `${bounds}=` : ''}${nest(0, 0)}`;
}

/**
 * An array as PostgreSQL prints it (`array_out`), each element's text given by `element`
 * (`NULL` for a null element): quoted when empty, `NULL` in any case, or holding braces, a
 * comma, a quote, a backslash or white space; quotes and backslashes escaped.
 */
export function arrayText(
  data: Buffer,
  start: number,
  element: (data: Buffer, start: number, end: number) => string,
): string {
  const ndim = data.readInt32BE(start);
  if (ndim === 0) return '{}';
  const dims: [number, number][] = [];
  let p = start + 12;
  for (let d = 0; d < ndim; d += 1) {
    dims.push([data.readInt32BE(p), data.readInt32BE(p + 4)]);
    p += 8;
  }
  const count = dims.reduce((n, [size]) => n * size, 1);
  const texts: string[] = new Array<string>(count);
  for (let i = 0; i < count; i += 1) {
    const length = data.readInt32BE(p);
    p += 4;
    texts[i] = length < 0 ? 'NULL' : quoteElement(element(data, p, p + length));
    if (length > 0) p += length;
  }
  return nestedText(texts, dims, (items) => `{${items.join(',')}}`);
}

function quoteElement(text: string): string {
  if (text !== '' && text.toUpperCase() !== 'NULL' && !/[{}",\\ \t\n\r\v\f]/.test(text))
    return text;
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A one-dimensional array as `array_send` writes it: dimensions 1 (0 when empty), the has-null
 * flag, the element type's OID (the target column's: PostgreSQL refuses any other), size and
 * lower bound 1, then each element as a field.
 */
export function encodeArray<W extends WordWriter>(
  values: readonly unknown[],
  elementOid: number,
  element: ElementCodec<W>,
  out: W,
): void {
  const mark = out.beginField();
  out.int32(values.length === 0 ? 0 : 1);
  out.int32(values.some((v) => v === null || v === undefined) ? 1 : 0);
  out.int32(elementOid);
  if (values.length > 0) {
    out.int32(values.length);
    out.int32(1);
  }
  for (const value of values) {
    if (value === null || value === undefined) out.nullField();
    else element.encode(value, out);
  }
  out.endField(mark);
}

/** Where an array field's element OID sits: after its length word, ndim and flags. */
export const ARRAY_OID_OFFSET = 12;

/**
 * Writes `elementOid` into the header of the array field whose length word is at `at` (an
 * empty array too; a field too short to have one is left alone).
 */
export function retagArrayField(data: Buffer, at: number, elementOid: number): void {
  if (data.readInt32BE(at) >= ARRAY_OID_OFFSET)
    data.writeUInt32BE(elementOid, at + ARRAY_OID_OFFSET);
}

/**
 * Whether an array's bytes (after its length word) are empty, or one dimension from lower
 * bound 1 whose elements are each NULL where `nullable` allows, or accepted by `element`.
 * (Not the has-null flag: array_recv does not check it against the elements.)
 */
export function arrayElementsFit(
  data: Buffer,
  start: number,
  nullable: boolean,
  element: ((data: Buffer, start: number, end: number) => boolean) | undefined,
): boolean {
  const ndim = data.readInt32BE(start);
  if (ndim === 0) return true;
  if (ndim !== 1 || data.readInt32BE(start + 16) !== 1) return false;
  if (element === undefined && nullable) return true;
  const count = data.readInt32BE(start + 12);
  let p = start + 20;
  for (let i = 0; i < count; i += 1) {
    const length = data.readInt32BE(p);
    p += 4;
    if (length < 0) {
      if (!nullable) return false;
      continue;
    }
    if (element !== undefined && !element(data, p, p + length)) return false;
    p += length;
  }
  return true;
}
