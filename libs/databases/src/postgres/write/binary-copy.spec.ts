import { col, compileValidator, defineTable, formatInterval } from '@datakit/contracts';
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
    ['text[] nullable elements', col.array(col.text().nullable()), ['a', null], true],
    ['text[] a NULL element where none is allowed', col.array(col.text()), ['a', null], false],
    ['text[] empty', col.array(col.text()), [], true],
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
