import { col } from '@datakit/contracts';
import type { ColumnKind, ColumnMeta } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import {
  BINARY_KINDS,
  BinaryWriter,
  acceptsBinary,
  binaryCodecFor,
  binaryWireType,
  textOnlyKinds,
  writesBinary,
} from './binary-copy.ts';

/** The bytes a codec writes for a value (without the length word), and the value read back. */
function roundTrip(meta: ColumnMeta, value: unknown, elementOid?: number) {
  const codec = binaryCodecFor(meta, elementOid);
  const writer = new BinaryWriter();
  codec.encode(value, writer);
  const field = writer.take() as Buffer;
  expect(field.readInt32BE(0)).toBe(field.length - 4);
  return { bytes: field.subarray(4), back: codec.decode(field, 4, field.length) };
}

const hex = (text: string): Buffer => Buffer.from(text.replaceAll(' ', ''), 'hex');

describe('numeric in binary COPY', () => {
  const numeric = col.numeric().meta;

  it('writes base-10000 digits with weight, sign and dscale as numeric_send does', () => {
    // ndigits 2, weight 0, positive, dscale 2: 1 and 5000 (1.50, trailing zero kept by dscale).
    expect(roundTrip(numeric, '1.50')).toEqual({
      bytes: hex('0002 0000 0000 0002 0001 1388'),
      back: '1.50',
    });
    // 0.000001: one digit (100) of weight -2, dscale 6.
    expect(roundTrip(numeric, '0.000001')).toEqual({
      bytes: hex('0001 fffe 0000 0006 0064'),
      back: '0.000001',
    });
    expect(roundTrip(numeric, '-12345678.9')).toEqual({
      bytes: hex('0003 0001 4000 0001 04d2 162e 2328'),
      back: '-12345678.9',
    });
  });

  it('writes zero with no digits, positive, its dscale kept (-0.0 is 0.0)', () => {
    expect(roundTrip(numeric, '0')).toEqual({ bytes: hex('0000 0000 0000 0000'), back: '0' });
    expect(roundTrip(numeric, '-0.0')).toEqual({ bytes: hex('0000 0000 0000 0001'), back: '0.0' });
    expect(roundTrip(numeric, '000.000')).toEqual({
      bytes: hex('0000 0000 0000 0003'),
      back: '0.000',
    });
  });

  it('writes NaN and the infinities as their sign words (PostgreSQL 14 and later)', () => {
    expect(roundTrip(numeric, 'NaN')).toEqual({ bytes: hex('0000 0000 c000 0000'), back: 'NaN' });
    expect(roundTrip(numeric, 'Infinity').back).toBe('Infinity');
    expect(roundTrip(numeric, 'Infinity').bytes.readUInt16BE(4)).toBe(0xd000);
    expect(roundTrip(numeric, '-Infinity').bytes.readUInt16BE(4)).toBe(0xf000);
    expect(roundTrip(numeric, '-Infinity').back).toBe('-Infinity');
  });

  it('keeps every digit of a 1000-digit value and trailing zeros after the last digit', () => {
    const huge = `${'9876543210'.repeat(60)}.${'0123456789'.repeat(40)}`;
    expect(roundTrip(numeric, huge).back).toBe(huge);
    expect(roundTrip(numeric, `-${huge}`).back).toBe(`-${huge}`);
    expect(roundTrip(numeric, '100000000.0000').back).toBe('100000000.0000');
    expect(roundTrip(numeric, '-0.0001000').back).toBe('-0.0001000');
    expect(roundTrip(numeric, '00042').back).toBe('42');
  });

  it('refuses text that is not a plain decimal', () => {
    expect(() => roundTrip(numeric, '1e5')).toThrow('not a numeric: 1e5');
  });
});

describe('uuid, bytea, jsonb and char in binary COPY', () => {
  it('writes a uuid as its 16 bytes, whatever its version bits, and reads it in lowercase', () => {
    const id = 'FFFFFFFF-0000-0000-0000-0123456789AB';
    const { bytes, back } = roundTrip(col.uuid().meta, id);
    expect(bytes).toEqual(hex('ffffffff000000000000 0123456789ab'));
    expect(back).toBe(id.toLowerCase());
  });

  it('writes bytea as its raw bytes, empty and large', () => {
    expect(roundTrip(col.bytea().meta, Buffer.alloc(0))).toEqual({
      bytes: Buffer.alloc(0),
      back: Buffer.alloc(0),
    });
    const large = Buffer.alloc(3_000_000, 0xab);
    large[0] = 0;
    expect(roundTrip(col.bytea().meta, large).back).toEqual(large);
  });

  it('writes jsonb as version 1 and its text, unicode as UTF-8', () => {
    const value = { a: 'é ☕ 𝄞', b: [1, null, true], '\n': '"' };
    const { bytes, back } = roundTrip(col.jsonb().meta, value);
    expect(bytes[0]).toBe(1);
    expect(bytes.toString('utf8', 1)).toBe(JSON.stringify(value));
    expect(back).toEqual(value);
  });

  it('crosses char as bpchar, its padding part of the text', () => {
    expect(binaryWireType(col.char(3).meta)).toBe('bpchar');
    expect(roundTrip(col.char(3).meta, 'a  ').back).toBe('a  ');
    expect(acceptsBinary(col.char(3).meta, 'character')).toBe(true);
  });

  it('crosses an enum as its label, into its enum type (schema-qualified or not) or text', () => {
    const mood = col.enum(['sad', 'happy'], { typeName: 'mood' }).meta;
    expect(binaryWireType(mood)).toBe('text');
    expect(roundTrip(mood, 'happy')).toEqual({ bytes: Buffer.from('happy'), back: 'happy' });
    expect(acceptsBinary(mood, 'mood')).toBe(true);
    expect(acceptsBinary(mood, 'bronze.mood')).toBe(true);
    expect(acceptsBinary(mood, 'text')).toBe(true);
    expect(acceptsBinary(mood, 'other')).toBe(false);
  });
});

describe('inet and cidr in binary COPY', () => {
  const inet = col.inet().meta;
  const cidr = col.cidr().meta;

  it('writes family, bits, is_cidr, length and the address bytes', () => {
    expect(roundTrip(inet, '192.0.2.1')).toEqual({
      bytes: hex('02 20 00 04 c0000201'),
      back: '192.0.2.1',
    });
    expect(roundTrip(inet, '192.0.2.1/24')).toEqual({
      bytes: hex('02 18 00 04 c0000201'),
      back: '192.0.2.1/24',
    });
    expect(roundTrip(cidr, '198.0.0.0/8')).toEqual({
      bytes: hex('02 08 01 04 c6000000'),
      back: '198.0.0.0/8',
    });
    expect(roundTrip(cidr, '203.0.113.3/32').back).toBe('203.0.113.3/32');
  });

  it('prints IPv6 as PostgreSQL does: longest zero run as ::, embedded IPv4 dotted', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['::2', '::2'],
      ['::1.2.3.4', '::1.2.3.4'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['2001:DB8:0:0:1:0:0:1/64', '2001:db8::1:0:0:1/64'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8'],
    ];
    for (const [input, printed] of cases) {
      const { bytes, back } = roundTrip(inet, input);
      expect([input, back, bytes[0], bytes[3]]).toEqual([input, printed, 3, 16]);
    }
    expect(roundTrip(cidr, '2001:db8::/32').back).toBe('2001:db8::/32');
    expect(roundTrip(cidr, '::1/128').back).toBe('::1/128');
  });
});

describe('arrays in binary COPY', () => {
  const texts = col.array(col.text().nullable()).meta;

  it('writes an empty array with no dimensions, told apart from NULL (a null field)', () => {
    expect(roundTrip(texts, [])).toEqual({ bytes: hex('00000000 00000000 00000019'), back: [] });
    const writer = new BinaryWriter();
    writer.nullField();
    expect(writer.take()).toEqual(hex('ffffffff'));
  });

  it('writes NULL elements with the has-null flag and the element type of the target', () => {
    const { bytes, back } = roundTrip(texts, ['a', null, ''], 1043);
    expect(bytes).toEqual(
      hex('00000001 00000001 00000413 00000003 00000001 00000001 61 ffffffff 00000000'),
    );
    expect(back).toEqual(['a', null, '']);
  });

  it('writes elements through their own codec (numeric, timestamps, enums as text)', () => {
    const numbers = col.array(col.numeric()).meta;
    expect(roundTrip(numbers, ['1.50', 'NaN', '-0.001']).back).toEqual(['1.50', 'NaN', '-0.001']);
    const times = col.array(col.timestamptz()).meta;
    const at = new Date('2024-02-29T12:00:00.123Z');
    expect(roundTrip(times, [at, 'infinity']).back).toEqual([at, 'infinity']);
    const moods = col.array(col.enum(['sad', 'happy'], { typeName: 'mood' })).meta;
    expect(binaryWireType(moods)).toBe('text[]');
    expect(acceptsBinary(moods, 'bronze.mood[]')).toBe(true);
    expect(roundTrip(moods, ['sad'], 98765).bytes.readUInt32BE(8)).toBe(98765);
  });

  it('reads several dimensions or another lower bound as PostgreSQL prints it (not an array)', () => {
    const ints = col.array(col.integer()).meta;
    const codec = binaryCodecFor(ints);
    const two = hex(
      '00000002 00000000 00000017 00000002 00000001 00000001 00000001' +
        '00000004 00000001 00000004 00000002',
    );
    expect(codec.decode(two, 0, two.length)).toBe('{{1},{2}}');
    const offset = hex('00000001 00000000 00000017 00000001 00000000 00000004 00000005');
    expect(codec.decode(offset, 0, offset.length)).toBe('[0:0]={5}');
    expect(col.array(col.integer()).zod.safeParse('{{1},{2}}').success).toBe(false);
  });
});

describe('bit strings and xml in binary COPY', () => {
  it('writes a bit string as bit_send does: its bit count, then the bits packed and zero-padded', () => {
    const flags = col.bit(8).meta;
    expect(roundTrip(flags, '10100101')).toEqual({ bytes: hex('00000008 a5'), back: '10100101' });
    const mask = col.varbit(12).meta;
    expect(roundTrip(mask, '101')).toEqual({ bytes: hex('00000003 a0'), back: '101' });
    expect(roundTrip(mask, '111111111111')).toEqual({
      bytes: hex('0000000c fff0'),
      back: '111111111111',
    });
    expect(roundTrip(mask, '')).toEqual({ bytes: hex('00000000'), back: '' });
  });

  it('reads bit and bit varying as bit varying, so a cast never pads or cuts a value', () => {
    expect(binaryWireType(col.bit(8).meta)).toBe('bit varying');
    expect(binaryWireType(col.varbit(12).meta)).toBe('bit varying');
    expect(binaryWireType(col.array(col.bit(8)).meta)).toBe('bit varying[]');
    expect(acceptsBinary(col.bit(8).meta, 'bit')).toBe(true);
    expect(acceptsBinary(col.bit(8).meta, 'bit varying')).toBe(false);
    expect(acceptsBinary(col.varbit().meta, 'bit varying')).toBe(true);
    expect(acceptsBinary(col.array(col.bit(8)).meta, 'bit[]')).toBe(true);
  });

  it('writes arrays of bit strings with NULL elements and the bit element type', () => {
    const bits = col.array(col.bit(2).nullable()).meta;
    const { bytes, back } = roundTrip(bits, ['01', null, '10']);
    expect(bytes).toEqual(
      hex(
        '00000001 00000001 00000618 00000003 00000001' +
          '00000005 00000002 40 ffffffff 00000005 00000002 80',
      ),
    );
    expect(back).toEqual(['01', null, '10']);
  });

  it('writes xml as its UTF-8 text', () => {
    const doc = col.xml().meta;
    expect(binaryWireType(doc)).toBe('xml');
    expect(roundTrip(doc, '<a>é</a>')).toEqual({
      bytes: Buffer.from('<a>é</a>'),
      back: '<a>é</a>',
    });
  });
});

describe('the binary kinds', () => {
  const ALL_KINDS = Object.keys(BINARY_KINDS) as ColumnKind[];

  it('has a binary codec for every kind but the text-only ones the README lists', () => {
    expect(Object.keys(textOnlyKinds())).toEqual(['tsvector', 'custom']);
    const examples: Partial<Record<ColumnKind, ColumnMeta>> = {
      array: col.array(col.text()).meta,
      enum: col.enum(['a']).meta,
      numeric: col.numeric().meta,
    };
    for (const kind of ALL_KINDS) {
      if (kind in textOnlyKinds()) continue;
      const meta = examples[kind] ?? ({ kind, sqlType: kind } as ColumnMeta);
      expect([kind, typeof binaryWireType(meta), writesBinary(meta)]).toEqual([
        kind,
        'string',
        true,
      ]);
      expect(() => binaryCodecFor(meta)).not.toThrow();
    }
  });

  it('reads text-only kinds as their text and writes them in text COPY only', () => {
    expect(binaryWireType(col.tsvector().meta)).toBe('text');
    expect(binaryWireType(col.array(col.tsvector()).meta)).toBe('text[]');
    expect(binaryWireType(col.custom('point').meta)).toBe('text');
    for (const meta of [col.tsvector().meta, col.array(col.custom('point')).meta]) {
      expect([meta.kind, writesBinary(meta), acceptsBinary(meta, meta.sqlType)]).toEqual([
        meta.kind,
        false,
        false,
      ]);
    }
    const codec = binaryCodecFor(col.tsvector().meta);
    expect(codec.decode(Buffer.from("'a':1A"), 0, 6)).toBe("'a':1A");
    expect(() => codec.encode("'a'", new BinaryWriter())).toThrow('text-only kind');
  });
});
