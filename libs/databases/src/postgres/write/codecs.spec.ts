import { col } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { codecFor, parseIsoTimestamp } from './codecs.ts';
import { parseCopyLine } from './copy-text.ts';

const meta = (builder: { meta: Parameters<typeof codecFor>[0] }) => builder.meta;

describe('codecFor', () => {
  it('decodes PostgreSQL text output into the values the contracts validate', () => {
    expect(codecFor(meta(col.integer())).decode('42')).toBe(42);
    expect(codecFor(meta(col.bigint())).decode('9007199254740993')).toBe(9007199254740993n);
    expect(codecFor(meta(col.boolean())).decode('t')).toBe(true);
    expect(codecFor(meta(col.numeric(5, 2))).decode('4.99')).toBe('4.99');
    expect(codecFor(meta(col.date())).decode('2022-02-14')).toBe('2022-02-14');
    expect(codecFor(meta(col.jsonb())).decode('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(codecFor(meta(col.bytea())).decode('\\x00ff')).toEqual(Buffer.from([0, 255]));
  });

  it('reads timestamps as UTC instants, with or without zone and fraction', () => {
    const tz = codecFor(meta(col.timestamptz()));
    expect((tz.decode('2022-02-14 10:24:46+00') as Date).toISOString()).toBe(
      '2022-02-14T10:24:46.000Z',
    );
    expect((tz.decode('2022-02-14 10:24:46.123456+05:30') as Date).toISOString()).toBe(
      '2022-02-14T04:54:46.123Z',
    );
    const plain = codecFor(meta(col.timestamp()));
    expect((plain.decode('2022-02-14 10:24:46.5') as Date).toISOString()).toBe(
      '2022-02-14T10:24:46.500Z',
    );
  });

  it('leaves a timestamp with more than microseconds undecoded, so the row is rejected, not rounded', () => {
    const text = '2024-01-02 03:04:05.1234567';
    for (const column of [col.timestamp(), col.timestamptz()]) {
      const codec = codecFor(column.meta);
      const value = column.meta.kind === 'timestamptz' ? `${text}+02:00` : text;
      expect(codec.decode(value)).toBe(value);
      expect(codec.decodeRange(`x${value}x`, 1, value.length + 1)).toBe(value);
      expect(column.zod.safeParse(codec.decode(value)).success).toBe(false);
    }
    expect(codecFor(col.timestamp().meta).decode('2024-01-02 03:04:05.123456')).toEqual(
      new Date('2024-01-02T03:04:05.123Z'),
    );
  });

  it('passes text it cannot decode through, for validation to reject', () => {
    expect(codecFor(meta(col.integer())).decode('abc')).toBe('abc');
    expect(codecFor(meta(col.boolean())).decode('yes')).toBe('yes');
    expect(codecFor(meta(col.jsonb())).decode('{')).toBe('{');
  });

  it('decodes and encodes one-dimensional arrays', () => {
    const codec = codecFor(meta(col.array(col.text())));
    const value = codec.decode('{Trailers,"Deleted Scenes",NULL,"say \\"hi\\""}');
    expect(value).toEqual(['Trailers', 'Deleted Scenes', null, 'say "hi"']);
    expect(codec.decode('{}')).toEqual([]);
    expect(parseCopyLine(codec.encode(value))).toEqual([
      '{"Trailers","Deleted Scenes",NULL,"say \\"hi\\""}',
    ]);
  });

  it('reads bit strings, xml and arrays of them as their text, NULL elements and {} apart', () => {
    expect(codecFor(meta(col.bit(8))).decode('10100101')).toBe('10100101');
    expect(codecFor(meta(col.varbit())).decodeRange('x\ty', 1, 1)).toBe('');
    expect(codecFor(meta(col.xml())).decode('<a b="1">é</a>')).toBe('<a b="1">é</a>');
    const bits = codecFor(meta(col.array(col.varbit(12).nullable())));
    expect(bits.decode('{"",1,NULL,0101}')).toEqual(['', '1', null, '0101']);
    expect(bits.decode('{}')).toEqual([]);
    expect(parseCopyLine(bits.encode(['', '1', null]))).toEqual(['{"","1",NULL}']);
    const docs = codecFor(meta(col.array(col.xml())));
    expect(docs.decode('{"<x>a,b</x>","say \\"hi\\""}')).toEqual(['<x>a,b</x>', 'say "hi"']);
  });

  it('leaves a multi-dimensional or offset array as its text, for validation to reject', () => {
    const ints = codecFor(meta(col.array(col.integer())));
    expect(ints.decode('{{1,2},{3,4}}')).toBe('{{1,2},{3,4}}');
    expect(ints.decode('[0:1]={1,2}')).toBe('[0:1]={1,2}');
    expect(codecFor(meta(col.array(col.text()))).decode('{"{",x}')).toEqual(['{', 'x']);
  });

  it('encodes values as escaped COPY fields', () => {
    const text = codecFor(meta(col.text()));
    expect(text.encode('a\tb')).toBe('a\\tb');
    expect(text.encode(null)).toBe('\\N');
    expect(codecFor(meta(col.timestamptz())).encode(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(codecFor(meta(col.bytea())).encode(Buffer.from([1, 2]))).toBe('\\\\x0102');
    expect(codecFor(meta(col.boolean())).encode(false)).toBe('f');
    expect(codecFor(meta(col.bigint())).encode(12n)).toBe('12');
    expect(codecFor(meta(col.jsonb())).encode({ a: 'x\ny' })).toBe('{"a":"x\\\\ny"}');
  });
});

describe('parseIsoTimestamp', () => {
  it('agrees with the engine date parser on many instants, leap days and offsets', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let k = 0; k < 20_000; k += 1) {
      const ms = Math.floor((next() * 2 - 0.3) * 4e12); // ~1843 to ~2096
      const d = new Date(ms);
      const micros = Math.floor(next() * 1e6);
      const offset = [0, 330, -480, 60][k % 4] as number;
      const local = new Date(ms + offset * 60_000);
      const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${
        offset % 60 === 0 ? '' : `:${pad(Math.abs(offset) % 60)}`
      }`;
      const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(
        local.getUTCDate(),
      )} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(micros, 6)}${zone}`;
      const expected = Math.floor(d.getTime() / 1000) * 1000 + Math.floor(micros / 1000);
      expect([text, parseIsoTimestamp(text, true)?.getTime()]).toEqual([text, expected]);
    }
  });

  it('leaves what it cannot read to the slow path', () => {
    for (const text of [
      '2023-02-29 00:00:00+00',
      'infinity',
      '0044-03-15 12:00:00+00 BC',
      '2022-13-01 00:00:00+00',
    ]) {
      expect([text, parseIsoTimestamp(text, true)]).toEqual([text, undefined]);
    }
    expect(parseIsoTimestamp('2024-02-29 23:59:60', false)?.toISOString()).toBe(
      '2024-03-01T00:00:00.000Z',
    );
  });
});
