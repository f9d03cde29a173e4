import {
  col,
  compileValidator,
  defineTable,
  formatInterval,
  createRandom,
} from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import {
  ALWAYS,
  BINARY_HEADER,
  BinaryWriter,
  certainCheck,
  acceptsBinary,
  binaryCodecFor,
  binaryHeaderLength,
  binaryRowEnd,
  binaryWireType,
  formatIntervalMicros,
  formatMicros,
  readMicros,
} from './binary-copy.ts';

const meta = (builder: { meta: Parameters<typeof binaryCodecFor>[0] }) => builder.meta;

/** Microseconds since 2000-01-01 of an ISO instant plus extra microseconds. */
const micros = (iso: string, extra = 0): number =>
  (Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) * 1000 + extra;

describe('binary COPY codecs', () => {
  it('round-trips every supported kind through the writer', () => {
    const cases: [Parameters<typeof binaryCodecFor>[0], unknown][] = [
      [meta(col.smallint()), -32768],
      [meta(col.integer()), 2147483647],
      [meta(col.integer()), -5],
      [meta(col.bigint()), -9007199254740993n],
      [meta(col.boolean()), true],
      [meta(col.boolean()), false],
      [meta(col.timestamptz()), new Date('2022-02-14T10:24:46.123Z')],
      [meta(col.timestamp()), new Date('1969-12-31T23:59:59.999Z')],
      [meta(col.timestamptz()), new Date('0005-03-01T00:00:00Z')],
      [meta(col.text()), 'café ☕ \t\n\\ "x"'],
      [meta(col.varchar(3)), ''],
      [meta(col.timestamptz()), 'infinity'],
      [meta(col.timestamp()), '-infinity'],
      [meta(col.timestamptz()), new Date(Date.UTC(-4712, 0, 1, 10, 0, 0, 123))],
      [meta(col.date()), '2024-02-29'],
      [meta(col.date()), '0044-03-15 BC'],
      [meta(col.date()), '10000-01-01'],
      [meta(col.date()), 'infinity'],
      [meta(col.date()), '-infinity'],
      [meta(col.money()), '-92233720368547758.08'],
      [meta(col.money()), '92233720368547758.07'],
      [meta(col.money()), '0.05'],
      [meta(col.real()), Math.fround(0.1)],
      [meta(col.real()), -0],
      [meta(col.real()), Number.NaN],
      [meta(col.real()), Math.fround(1e-45)],
      [meta(col.real()), Number.NEGATIVE_INFINITY],
      [meta(col.double()), 5e-324],
      [meta(col.double()), -0],
      [meta(col.double()), -1.7976931348623157e308],
      [meta(col.interval()), 'P1Y2M3DT4H5M6.789S'],
      [meta(col.interval()), 'P-10M-3DT-4H-5M-6.000001S'],
      [meta(col.interval()), 'PT0S'],
      [meta(col.interval()), 'P-178000000Y-11M'],
      [meta(col.interval()), 'PT2562047788H54.775807S'],
      [meta(col.interval()), 'P1MT-1S'],
      [meta(col.json()), '{"a":1,  "a":2}'],
    ];
    for (const [column, value] of cases) {
      const codec = binaryCodecFor(column);
      const writer = new BinaryWriter();
      codec.encode(value, writer);
      const bytes = writer.take() as Buffer;
      expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
      expect([column.kind, codec.decode(bytes, 4, bytes.length)]).toEqual([column.kind, value]);
    }
  });

  it('reads timestamps to the millisecond, microseconds dropped downwards as in text', () => {
    const codec = binaryCodecFor(meta(col.timestamptz()));
    const data = Buffer.alloc(8);
    const at = micros('2022-02-14T10:24:46.123Z', 999);
    data.writeBigInt64BE(BigInt(at));
    expect(readMicros(data, 0)).toBe(at);
    expect(codec.decode(data, 0, 8)).toEqual(new Date('2022-02-14T10:24:46.123Z'));
    data.writeBigInt64BE(BigInt(micros('1999-12-31T23:59:59.999Z', 1)));
    expect(codec.decode(data, 0, 8)).toEqual(new Date('1999-12-31T23:59:59.999Z'));
    data.writeBigInt64BE(9223372036854775807n);
    expect(codec.decode(data, 0, 8)).toBe('infinity');
    data.writeBigInt64BE(-9223372036854775808n);
    expect(codec.decode(data, 0, 8)).toBe('-infinity');
    // 4713 BC: beyond what a double holds in microseconds, read exactly.
    data.writeBigInt64BE(BigInt(Date.UTC(-4712, 0, 1) - Date.UTC(2000, 0, 1)) * 1000n - 1n);
    expect(codec.decode(data, 0, 8)).toEqual(new Date(Date.UTC(-4712, 0, 1) - 1));
  });

  it('prints microseconds as PostgreSQL does with DateStyle ISO and TimeZone UTC', () => {
    expect(formatMicros(micros('2022-02-14T10:24:46Z'), true)).toBe('2022-02-14 10:24:46+00');
    expect(formatMicros(micros('2022-02-14T10:24:46.5Z'), true)).toBe('2022-02-14 10:24:46.5+00');
    expect(formatMicros(micros('2024-02-29T23:59:59Z', 999_999), false)).toBe(
      '2024-02-29 23:59:59.999999',
    );
    expect(formatMicros(micros('1999-12-31T23:59:59.000Z', 1), true)).toBe(
      '1999-12-31 23:59:59.000001+00',
    );
    expect(formatMicros(micros('0001-01-01T00:00:00Z'), true)).toBe('0001-01-01 00:00:00+00');
    expect(formatMicros(micros('0000-12-31T00:00:00Z'), true)).toBe('0001-12-31 00:00:00+00 BC');
    // Every day of four years (leap years and centuries included) against the engine's dates.
    for (let day = -800; day < 800; day += 1) {
      const iso = new Date(Date.UTC(2000, 0, 1 + day * 37)).toISOString();
      expect(formatMicros(micros(iso), false)).toBe(iso.slice(0, 10) + ' 00:00:00');
    }
  });

  it('prints intervals without BigInt exactly as formatInterval does', () => {
    const edges = [0, 1, -1, 999_999, 1_000_000, 59_999_999, 60_000_000, 3_599_999_999];
    const values = [...edges, ...edges.map((v) => v + 3_600_000_000 * 7), 2 ** 52 - 1];
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 2_000; i += 1) values.push(Math.floor((random() - 0.5) * 2 ** 53));
    for (const micros of [...values, ...values.map((v) => -v)]) {
      for (const [months, days] of [
        [0, 0],
        [14, -3],
        [-2_147_483_648, 2_147_483_647],
      ]) {
        expect([months, days, micros, formatIntervalMicros(months!, days!, micros)]).toEqual([
          months,
          days,
          micros,
          formatInterval({ months: months!, days: days!, microseconds: BigInt(micros) }),
        ]);
      }
    }
  });

  it('accepts only kinds and live target types whose wire form it knows', () => {
    expect(binaryWireType(meta(col.varchar(10)))).toBe('text');
    expect(binaryWireType(meta(col.numeric(5, 2)))).toBe('numeric');
    expect(binaryWireType(meta(col.array(col.varchar(3))))).toBe('text[]');
    expect(binaryWireType(meta(col.tsvector()))).toBe('text');
    expect(acceptsBinary(meta(col.tsvector()), 'tsvector')).toBe(false);
    expect(acceptsBinary(meta(col.array(col.varchar(3))), 'character varying[]')).toBe(true);
    expect(acceptsBinary(meta(col.array(col.integer())), 'integer')).toBe(false);
    expect(acceptsBinary(meta(col.varchar(10)), 'character varying')).toBe(true);
    expect(acceptsBinary(meta(col.integer()), 'bigint')).toBe(false);
    expect(acceptsBinary(meta(col.timestamptz()), 'timestamp without time zone')).toBe(false);
  });
});

describe('binary COPY framing', () => {
  const row = (): Buffer => {
    const writer = new BinaryWriter();
    writer.fieldCount(2);
    writer.int32Field(7);
    writer.nullField();
    return writer.take() as Buffer;
  };

  it('finds where a row ends, or that it is incomplete, or the trailer', () => {
    const data = Buffer.concat([row(), Buffer.from([0xff, 0xff])]);
    expect(binaryRowEnd(data, 0, 2)).toBe(14);
    expect(binaryRowEnd(data, 14, 2)).toBe(-2);
    for (let cut = 0; cut < 14; cut += 1)
      expect(binaryRowEnd(data.subarray(0, cut), 0, 2)).toBe(-1);
    expect(() => binaryRowEnd(data, 0, 3)).toThrow('binary COPY row with 2 fields where 3');
  });

  it('reads the header, with an extension area, and refuses text data', () => {
    expect(binaryHeaderLength(BINARY_HEADER.subarray(0, 12))).toBe(-1);
    expect(binaryHeaderLength(BINARY_HEADER)).toBe(19);
    const extended = Buffer.concat([BINARY_HEADER, Buffer.alloc(4)]);
    extended.writeInt32BE(4, 15);
    expect(binaryHeaderLength(extended)).toBe(23);
    expect(() => binaryHeaderLength(Buffer.from('1\tPENELOPE\t2022-01-01\n'))).toThrow(
      'did not send binary COPY data',
    );
  });

  it('keeps what it handed out intact when a block fills up', () => {
    const writer = new BinaryWriter();
    const taken: Buffer[] = [];
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 200; i += 1) {
      writer.textField(text);
      // Not copied: later writes, in this block or a new one, must leave these bytes alone.
      if (i % 3 === 0) taken.push(writer.take() as Buffer);
    }
    taken.push(writer.take() as Buffer);
    const all = Buffer.concat(taken);
    expect(all.length).toBe(200 * 1004);
    for (let i = 0; i < 200; i += 1) {
      expect(all.readInt32BE(i * 1004)).toBe(1000);
      expect(all.toString('latin1', i * 1004 + 4, (i + 1) * 1004)).toBe(text);
    }
  });
});

describe('wire checks (certainCheck): valid from the bytes alone, or not known', () => {
  type Builder = Parameters<typeof col.array>[0];
  type Write = (writer: BinaryWriter, codec: ReturnType<typeof binaryCodecFor>) => void;

  /** Whether the check proves the field, and whether the contract accepts its decoded value. */
  function verdict(builder: Builder, value: unknown, write?: Write) {
    const column = builder.meta;
    const codec = binaryCodecFor(column);
    const writer = new BinaryWriter();
    if (write) write(writer, codec);
    else codec.encode(value, writer);
    const bytes = Buffer.from(writer.take() as Buffer);
    const check = certainCheck(column);
    const decoded = codec.decode(bytes, 4, bytes.length);
    const validate = compileValidator(defineTable({ name: 't', columns: { v: builder } }));
    return {
      proved: check?.(bytes, 4, bytes.length) ?? false,
      valid: validate({ v: decoded }) === null,
    };
  }

  const jsonb =
    (text: string): Write =>
    (writer) =>
      writer.jsonbField(text);
  /** A two-dimensional text[] ({{a},{b}}), which no contract describes. */
  const twoDimensional: Write = (writer) => {
    const mark = writer.beginField();
    for (const word of [2, 0, 25, 2, 1, 1, 1]) writer.int32(word);
    for (const item of ['a', 'b']) {
      writer.int32(1);
      writer.bytes(Buffer.from(item));
    }
    writer.endField(mark);
  };
  /** An integer[] {7,NULL} whose has-null flag says it has none (array_recv never checks). */
  const unflaggedNull: Write = (writer) => {
    const mark = writer.beginField();
    for (const word of [1, 0, 23, 2, 1, 4, 7, -1]) writer.int32(word);
    writer.endField(mark);
  };

  const cases: [string, Builder, unknown, boolean, Write?][] = [
    ['numeric(5,2) 123.45', col.numeric(5, 2), '123.45', true],
    ['numeric(5,2) -999.99', col.numeric(5, 2), '-999.99', true],
    ['numeric(5,2) 0', col.numeric(5, 2), '0', true],
    ['numeric(5,2) 0.5', col.numeric(5, 2), '0.5', true],
    ['numeric(5,2) NaN', col.numeric(5, 2), 'NaN', true],
    ['numeric(5,2) 1234.5: too many integer digits', col.numeric(5, 2), '1234.5', false],
    ['numeric(5,2) 0.001: too many fraction digits', col.numeric(5, 2), '0.001', false],
    ['numeric(5,2) Infinity', col.numeric(5, 2), 'Infinity', false],
    ['numeric(4,4) 0.1234', col.numeric(4, 4), '0.1234', true],
    ['numeric(4,4) 1.5', col.numeric(4, 4), '1.5', false],
    ['numeric Infinity', col.numeric(), 'Infinity', true],
    ['numeric(12,2) 99999999.99', col.numeric(12, 2), '99999999.99', true],
    ['numeric(12,2) 12345678901', col.numeric(12, 2), '12345678901', false],
    ['integer 0..10: 7', col.integer({ min: 0, max: 10 }), 7, true],
    ['integer 0..10: 11', col.integer({ min: 0, max: 10 }), 11, false],
    ['varchar(3) abc', col.varchar(3), 'abc', true],
    ['varchar(3) abcd', col.varchar(3), 'abcd', false],
    ['varchar(3) é', col.varchar(3), 'é', true],
    ['char(3) x', col.char(3), 'x  ', true],
    ['timestamptz 2024', col.timestamptz(), new Date('2024-02-29T12:00:00Z'), true],
    ['timestamptz infinity', col.timestamptz(), 'infinity', true],
    ['timestamp -infinity', col.timestamp(), '-infinity', true],
    ['timestamptz 1500 (not known)', col.timestamptz(), new Date('1500-01-01T00:00:00Z'), false],
    ['jsonb object', col.jsonb(), { a: [1, 2.5, 'x'], b: null }, true],
    ['jsonb __proto__', col.jsonb(), null, false, jsonb('{"__proto__": 1}')],
    ['jsonb 400 digits', col.jsonb(), null, false, jsonb(`1${'0'.repeat(400)}`)],
    ['jsonb 70 deep', col.jsonb(), null, false, jsonb(`${'['.repeat(70)}${']'.repeat(70)}`)],
    // An `_` near the end of the data: the `__proto__` comparison stays within the field.
    ['jsonb {"k":"a_b"} at the very end of the data', col.jsonb(), { k: 'a_b' }, true],
    ['jsonb 1e999 (JSON.parse: Infinity)', col.jsonb(), null, false, jsonb('[1e999]')],
    ['jsonb 1E5 after an escaped quote', col.jsonb(), null, false, jsonb('["\\"", 1E5]')],
    ['jsonb 550e8400 in a string', col.jsonb(), null, true, jsonb('{"id": "550e8400-e29b"}')],
    ['text[] nullable elements', col.array(col.text().nullable()), ['a', null], true],
    ['text[] a NULL element where none is allowed', col.array(col.text()), ['a', null], false],
    ['text[] empty', col.array(col.text()), [], true],
    [
      'integer[] a NULL element its flag hides',
      col.array(col.integer()),
      null,
      false,
      unflaggedNull,
    ],
    ['varchar(2)[] too long an element', col.array(col.varchar(2)), ['ab', 'abc'], false],
    ['text[] two dimensions', col.array(col.text()), null, false, twoDimensional],
    ['enum a', col.enum(['a', 'b']), 'a', true],
    ['enum c', col.enum(['a', 'b']), 'c', false],
    ['uuid', col.uuid(), '00000000-0000-0000-0000-000000000000', true],
    ['interval', col.interval(), 'P1DT2H', true],
    ['date BC', col.date(), '0044-03-15 BC', true],
    ['double NaN', col.double(), Number.NaN, true],
  ];

  it.each(cases)('%s', (_name, builder, value, proved, write) => {
    const result = verdict(builder, value, write);
    expect(result.proved).toBe(proved);
    // Never proved and refused by the contract.
    if (result.proved) expect(result.valid).toBe(true);
  });

  it('has no check for kinds whose values must be decoded', () => {
    expect(certainCheck(col.inet().meta)).toBeUndefined();
    expect(certainCheck(col.money().meta)).toBeUndefined();
    expect(certainCheck(col.tsvector().meta)).toBeUndefined();
    expect(certainCheck(col.integer().meta)).toBe(ALWAYS);
    expect(certainCheck(col.text().meta)).toBe(ALWAYS);
  });
});

describe('wire checks, fuzzed: a value a check proves is one the contract accepts', () => {
  type Builder = Parameters<typeof col.array>[0];
  type ColumnMeta = Parameters<typeof binaryCodecFor>[0];

  /** A seeded generator (the factories' mulberry32), so a failure is the same on every run. */
  function generator(seed: number) {
    const random = createRandom(seed);
    const bytes = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => random.int(0, 255)));
    return { next: random.next, int: random.int, pick: random.pick, chance: random.bool, bytes };
  }
  type Random = ReturnType<typeof generator>;

  const int16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return b;
  };
  const int32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const int64 = (v: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  };
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

  /** An integer near the contract's bounds, the type's bounds, or anywhere in the type. */
  function integerNear(random: Random, column: ColumnMeta, lo: number, hi: number): number {
    const edges = [lo, hi, 0, -1, 1];
    for (const bound of [column.min, column.max]) {
      if (bound !== undefined) edges.push(bound - 1, bound, bound + 1);
    }
    const v = random.chance(0.6) ? random.pick(edges) : random.int(lo, hi);
    return clamp(v, lo, hi);
  }

  // Characters of every UTF-8 length, spaces (bpchar pads with them), quotes, backslashes.
  const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '{', ',', 'é', 'ß', '☕', '€', '😀', '𝄞', '\t'];

  function text(random: Random, maxLength = 8): string {
    let s = '';
    const n = random.int(0, maxLength);
    for (let i = 0; i < n; i += 1) s += random.pick(CHARS);
    return s;
  }

  /**
   * A numeric as numeric_recv accepts it: any digit count, weight, dscale (no more than 0x3fff)
   * and base-10000 digits (0 to 9999), leading and trailing zero digits, hidden digits past the
   * dscale and negative zero included; or NaN, Infinity, -Infinity.
   */
  function numeric(random: Random): Buffer {
    const special = random.chance(0.1) ? random.pick([0xc000, 0xd000, 0xf000]) : undefined;
    if (special !== undefined) {
      return Buffer.concat([
        int16(0),
        int16(0),
        int16(special - 0x10000),
        int16(random.int(0, 40)),
      ]);
    }
    const ndigits = random.int(0, 6);
    const weight = random.chance(0.1) ? random.int(-200, 200) : random.int(-5, 6);
    const sign = random.chance(0.3) ? 0x4000 : 0;
    const dscale = random.chance(0.1) ? random.int(0, 0x3fff) : random.int(0, 24);
    const digit = (): number =>
      random.chance(0.5)
        ? random.pick([0, 1, 9, 10, 99, 100, 999, 1000, 9999])
        : random.int(0, 9999);
    const digits = Array.from({ length: ndigits }, digit).map(int16);
    return Buffer.concat([int16(ndigits), int16(weight), int16(sign), int16(dscale), ...digits]);
  }

  /** A JSON number: as numeric_out prints it (jsonb), or with an exponent (any JSON text). */
  function jsonNumber(random: Random, exponents: boolean): string {
    const digitRun = (n: number): string =>
      Array.from({ length: n }, (_, i) =>
        String(i === 0 ? random.int(1, 9) : random.int(0, 9)),
      ).join('');
    const length = random.chance(0.1) ? random.int(280, 320) : random.int(1, 20);
    let s = `${random.chance(0.3) ? '-' : ''}${random.chance(0.2) ? '0' : digitRun(length)}`;
    if (random.chance(0.4)) {
      s += `.${random.chance(0.1) ? '0'.repeat(random.int(290, 330)) : ''}${digitRun(random.int(1, 8))}`;
    }
    if (exponents && random.chance(0.3)) {
      s += `${random.pick(['e', 'E'])}${random.pick(['', '+', '-'])}${random.pick(['0', '5', '308', '309', '999', '400'])}`;
    }
    return s;
  }

  /** A JSON string, escaped as jsonb_out escapes (`out`) or in any way JSON allows. */
  function jsonString(random: Random, out: boolean): string {
    const raw = random.chance(0.1) ? '__proto__' : text(random, 6);
    if (out) return JSON.stringify(raw);
    // Some characters as \u escapes (a surrogate pair as two), `__proto__`'s too.
    const escape = (c: string): string =>
      [...Array(c.length).keys()]
        .map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`)
        .join('');
    const chars = [...raw].map((c) =>
      random.chance(0.3) ? escape(c) : JSON.stringify(c).slice(1, -1),
    );
    return `"${chars.join('')}"`;
  }

  /** JSON text: jsonb_out's (`out`) or any a JSON parser accepts (spacing, escapes, exponents). */
  function json(random: Random, out: boolean, depth = 0): string {
    const space = (): string => (out ? '' : random.pick(['', ' ', '\n', '\t ', '\r\n']));
    const kind = depth > 70 ? 0 : random.int(0, depth < 3 ? 6 : 4);
    if (random.chance(0.03) && depth < 5) {
      // Deep nesting: around the 64 brackets the check allows.
      const n = random.int(60, 70);
      return `${'['.repeat(n)}${json(random, out, 71)}${']'.repeat(n)}`;
    }
    switch (kind) {
      case 0:
        return random.pick(['true', 'false', 'null']);
      case 1:
      case 2:
        return jsonNumber(random, !out);
      case 3:
      case 4:
        return jsonString(random, out);
      case 5: {
        const items = Array.from({ length: random.int(0, 3) }, () => json(random, out, depth + 1));
        return `[${space()}${items.join(out ? ', ' : `${space()},${space()}`)}${space()}]`;
      }
      default: {
        const members = Array.from(
          { length: random.int(0, 3) },
          () =>
            `${jsonString(random, out)}${out ? ': ' : `${space()}:${space()}`}${json(random, out, depth + 1)}`,
        );
        return `{${space()}${members.join(out ? ', ' : `${space()},${space()}`)}${space()}}`;
      }
    }
  }

  /** PostgreSQL's dates: 4714-11-24 BC to 5874897-12-31, as days since 2000-01-01. */
  const FIRST_DATE = -2_451_545;
  const LAST_DATE = 2_145_031_948;
  /** PostgreSQL's timestamps: 4714-11-24 BC to 294276 AD, in microseconds since 2000. */
  const FIRST_TIMESTAMP = -211_813_488_000_000_000n;
  const END_TIMESTAMP = 9_223_371_331_200_000_000n;
  const INT64_MAX = 2n ** 63n - 1n;

  /**
   * The bytes of one non-null field of a column: any value its wire type's receive function
   * accepts (what a target would load), whether or not the contract accepts it.
   */
  function wire(random: Random, column: ColumnMeta): Buffer {
    switch (column.kind) {
      case 'smallint':
        return int16(integerNear(random, column, -32768, 32767));
      case 'integer':
        return int32(integerNear(random, column, -2147483648, 2147483647));
      case 'bigint':
      case 'double':
        return random.bytes(8);
      case 'real':
        return random.chance(0.2)
          ? random.pick([
              Buffer.from('7fc00000', 'hex'),
              Buffer.from('80000000', 'hex'),
              Buffer.from('00000001', 'hex'),
              Buffer.from('ff800000', 'hex'),
            ])
          : random.bytes(4);
      case 'boolean':
        return Buffer.from([random.pick([0, 1, random.int(0, 255)])]);
      case 'numeric':
        return numeric(random);
      case 'text':
      case 'varchar':
      case 'char': {
        const limit = column.maxLength ?? 8;
        return Buffer.from(text(random, random.chance(0.5) ? limit : limit + 3));
      }
      case 'enum': {
        const values = column.values ?? [];
        const near = values.flatMap((v) => [v, `${v} `, v.toUpperCase(), v.slice(1)]);
        return Buffer.from(random.chance(0.7) ? random.pick(near) : text(random, 3));
      }
      case 'date': {
        const edges = [
          FIRST_DATE,
          FIRST_DATE + 1,
          LAST_DATE,
          LAST_DATE - 1,
          0,
          -1,
          2147483647,
          -2147483648,
        ];
        return int32(random.chance(0.4) ? random.pick(edges) : random.int(FIRST_DATE, LAST_DATE));
      }
      case 'timestamp':
      case 'timestamptz': {
        const safe = 2n ** 52n;
        const edges = [
          FIRST_TIMESTAMP,
          END_TIMESTAMP - 1n,
          INT64_MAX,
          -INT64_MAX - 1n,
          safe - 1n,
          safe,
          -safe,
          -safe - 1n,
          0n,
          -1n,
        ];
        const any =
          FIRST_TIMESTAMP +
          BigInt(Math.floor(random.next() * 2 ** 53)) * ((END_TIMESTAMP - FIRST_TIMESTAMP) >> 53n);
        const near = BigInt(random.int(-(2 ** 31), 2 ** 31)) * BigInt(random.int(1, 2 ** 22));
        return int64(random.chance(0.3) ? random.pick(edges) : random.chance(0.5) ? any : near);
      }
      case 'interval':
        return random.chance(0.2)
          ? random.pick([
              Buffer.concat([int64(INT64_MAX), int32(2147483647), int32(2147483647)]),
              Buffer.concat([int64(-INT64_MAX - 1n), int32(-2147483648), int32(-2147483648)]),
            ])
          : random.bytes(16);
      case 'uuid':
        return random.bytes(16);
      case 'bytea':
        return random.bytes(random.int(0, 6));
      case 'json':
        return Buffer.from(json(random, false));
      case 'jsonb':
        return Buffer.concat([Buffer.from([1]), Buffer.from(json(random, random.chance(0.5)))]);
      case 'array':
        return array(random, column.element as ColumnMeta);
      default:
        return Buffer.from(text(random));
    }
  }

  /**
   * An array as array_recv accepts it: empty, one dimension or more, any lower bound, NULL
   * elements or not, and a has-null flag that array_send sets when there are NULLs but
   * array_recv does not check.
   */
  function array(random: Random, element: ColumnMeta): Buffer {
    if (random.chance(0.1)) return Buffer.concat([int32(0), int32(0), int32(25)]);
    const dims = random.chance(0.1) ? [random.int(1, 2), random.int(1, 2)] : [random.int(1, 5)];
    const lower = random.chance(0.1) ? random.pick([0, 2, -3]) : 1;
    const count = dims.reduce((n, d) => n * d, 1);
    const items = Array.from({ length: count }, () =>
      random.chance(0.15) ? null : wire(random, element),
    );
    const hasNull = items.includes(null) && random.chance(0.8) ? 1 : 0;
    return Buffer.concat([
      int32(dims.length),
      int32(hasNull),
      int32(25),
      ...dims.flatMap((d) => [int32(d), int32(lower)]),
      ...items.map((item) =>
        item === null ? int32(-1) : Buffer.concat([int32(item.length), item]),
      ),
    ]);
  }

  const scalars: Builder[] = [
    col.smallint(),
    col.smallint({ min: 1 }),
    col.smallint({ min: -5, max: 5 }),
    col.integer(),
    col.integer({ min: 1901, max: 2155, domain: 'year' }),
    col.integer({ max: 0 }),
    col.integer({ min: 2147483647 }),
    col.bigint(),
    col.real(),
    col.double(),
    col.boolean(),
    col.numeric(),
    col.numeric(1),
    col.numeric(1, 1),
    col.numeric(3, 3),
    col.numeric(4),
    col.numeric(4, 4),
    col.numeric(5, 2),
    col.numeric(8, 4),
    col.numeric(9, 5),
    col.numeric(12, 2),
    col.numeric(20, 10),
    col.numeric(30),
    col.numeric(38, 38),
    col.numeric(1000, 500),
    col.text(),
    col.varchar(1),
    col.varchar(2),
    col.varchar(5),
    col.varchar(10),
    col.char(1),
    col.char(3),
    col.enum(['a']),
    col.enum(['G', 'PG', 'PG-13', 'R', 'NC-17'], { typeName: 'mpaa_rating' }),
    col.enum(['', 'x y', '☕']),
    col.date(),
    col.timestamp(),
    col.timestamptz(),
    col.interval(),
    col.uuid(),
    col.bytea(),
    col.json(),
    col.jsonb(),
  ];
  const columns: Builder[] = [
    ...scalars,
    ...scalars.map((s) => s.nullable()),
    ...scalars.flatMap((s) => [col.array(s), col.array(s.nullable())]),
  ];

  it('proves no value its contract refuses, over generated wire values of every kind', () => {
    const random = generator(0x5eed_b17e);
    const failures: string[] = [];
    let proved = 0;
    let unproved = 0;
    for (const builder of columns) {
      const column = builder.meta;
      const check = certainCheck(column);
      if (check === undefined) continue;
      const codec = binaryCodecFor(column);
      const validate = compileValidator(defineTable({ name: 't', columns: { v: builder } }));
      let provedHere = 0;
      for (let i = 0; i < 400; i += 1) {
        const bytes = wire(random, column);
        const verdict = check(bytes, 0, bytes.length);
        // Within a chunk, among other fields: the same verdict (nothing read past the field).
        const before = random.bytes(random.int(0, 3));
        const chunk = Buffer.concat([before, bytes, random.bytes(random.int(0, 12))]);
        const inChunk = check(chunk, before.length, before.length + bytes.length);
        if (inChunk !== verdict && failures.length < 20) {
          failures.push(`${column.sqlType}: ${bytes.toString('hex')} -> ${inChunk} in a chunk`);
        }
        if (!verdict) {
          unproved += 1;
          continue;
        }
        provedHere += 1;
        const decoded = codec.decode(bytes, 0, bytes.length);
        const problem = validate({ v: decoded });
        if (problem !== null && failures.length < 20) {
          failures.push(`${column.sqlType}: ${bytes.toString('hex')} -> ${problem}`);
        }
      }
      proved += provedHere;
      // Every checked column has values the check proves: the generator reaches them.
      expect([column.sqlType, provedHere > 0]).toEqual([column.sqlType, true]);
    }
    expect(failures).toEqual([]);
    // Both answers are common: the generator is neither too kind nor too harsh.
    expect(proved).toBeGreaterThan(10_000);
    expect(unproved).toBeGreaterThan(5_000);
  });
});
