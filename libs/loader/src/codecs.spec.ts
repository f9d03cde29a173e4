import { col } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { codecFor } from './codecs.ts';
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
