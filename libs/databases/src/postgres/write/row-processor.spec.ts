import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { BronzeEvent, Event, eventToBronze } from './__fixtures__/events.ts';
import { BronzeItem, Item, itemToBronze } from './__fixtures__/items.ts';
import {
  BINARY_HEADER,
  BINARY_TRAILER,
  BinaryWriter,
  binaryCodecFor,
  binaryRowEnd,
} from './binary-copy.ts';
import { codecFor } from './codecs.ts';
import { parseCopyLine } from './copy-text.ts';
import {
  compileBinaryRowParser,
  compileCopyRowParser,
  compileRowBuilder,
  RowProcessor,
} from './row-processor.ts';
import type { RowProcessorOptions } from './row-processor.ts';
import { columnsOf } from './sql.ts';

const names = columnsOf(Item).map((c) => c.name);
const codecs = columnsOf(Item).map((c) => codecFor(c));

// COPY text as PostgreSQL writes it for items (item_id, label, price, tags, updated).
const LINES = [
  '1\ti-1\t1.99\t\\N\t2024-01-01 00:00:01+00',
  '2\tcafé ☕\t2.99\t{a,"b \\\\"c\\\\"","d,e"}\t2024-01-01 00:00:02.000001+00',
  '3\ttab\\there\t3.99\t\\N\t2024-01-01 00:00:02.000002+00',
  '4\tskip\t4.99\t\\N\t2024-01-01 00:00:03+00',
  '5\tfar too long a label\t5.99\t\\N\t2024-01-01 00:00:04+00',
  '6\t\\\\N\t6.99\t{}\t2024-01-01 00:00:00+00',
];
const TEXT = `${LINES.join('\n')}\n`;

function processor(overrides: Partial<RowProcessorOptions> = {}): RowProcessor {
  return new RowProcessor({
    source: Item,
    target: BronzeItem,
    transform: itemToBronze,
    cursor: 'updated',
    lineSuffix: '',
    maxStoredRejects: 100,
    ...overrides,
  });
}

const output = (p: RowProcessor): string =>
  p
    .take()
    .map((piece) => piece.toString())
    .join('');

describe('compileCopyRowParser', () => {
  it('reads every field in place as the row builder reads parsed fields', () => {
    const parse = compileCopyRowParser(names, codecs);
    const build = compileRowBuilder(names, codecs);
    const offsets = new Int32Array(2 * names.length + 1).fill(-1);
    let start = 0;
    for (const line of LINES) {
      const row = parse(TEXT, start, offsets);
      expect(row).toEqual(build(parseCopyLine(line)));
      expect(offsets[2 * names.length - 1]).toBe(start + line.length);
      start += line.length + 1;
    }
  });

  it('decodes integers and timestamps the way the codecs do', () => {
    const parse = compileCopyRowParser(names, codecs);
    const row = parse('-42\tx\t0\t\\N\t2024-02-29 23:59:59.123456+05:30\n', 0, new Int32Array(11));
    expect(row).toEqual({
      item_id: -42,
      label: 'x',
      price: '0',
      tags: null,
      updated: new Date('2024-02-29T18:29:59.123Z'),
    });
    // Text a codec cannot read stays text, for validation to reject.
    expect(parse('4x\tx\t0\t\\N\tsoon\n', 0, new Int32Array(11))).toMatchObject({
      item_id: '4x',
      updated: 'soon',
    });
  });
});

describe('RowProcessor', () => {
  it('writes rows that pass through as they came, filters, rejects and tracks the cursor', () => {
    const p = processor();
    p.pushCopy(Buffer.from(TEXT));
    p.endCopy();
    expect(output(p)).toBe(`${[LINES[0], LINES[1], LINES[2], LINES[5]].join('\n')}\n`);
    expect(p.counts).toEqual({ read: 6, accepted: 4, rejected: 1, filtered: 1 });
    expect(p.rejects).toEqual([
      {
        stage: 'source',
        reason: 'label: longer than 10 characters',
        // The row as read: every value its exact text.
        rowData: expect.stringContaining('"item_id":"5"') as string,
        key: ['5'],
      },
    ]);
    // Microseconds decide between two values of the same millisecond.
    expect(p.cursorText).toBe('2024-01-01 00:00:04+00');
    const q = processor();
    q.pushCopy(Buffer.from(`${LINES.slice(0, 3).join('\n')}\n`));
    expect(q.cursorText).toBe('2024-01-01 00:00:02.000002+00');
  });

  it('gives the same output however the text is cut into chunks, multi-byte characters too', () => {
    const whole = processor();
    whole.pushCopy(Buffer.from(TEXT));
    const expected = output(whole);
    const bytes = Buffer.from(TEXT);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const p = processor();
      p.pushCopy(bytes.subarray(0, cut));
      const first = output(p);
      p.pushCopy(bytes.subarray(cut));
      p.endCopy();
      expect(first + output(p)).toBe(expected);
      expect(p.counts).toEqual(whole.counts);
      expect(p.cursorText).toBe(whole.cursorText);
    }
  });

  it('reads a last line without its newline', () => {
    const p = processor();
    p.pushCopy(Buffer.from(LINES[0] as string));
    expect(p.counts.read).toBe(0);
    p.endCopy();
    expect(output(p)).toBe(`${LINES[0]}\n`);
  });

  it('appends the audit values to each line for a target without audit defaults', () => {
    const p = processor({ lineSuffix: '\tRUN' });
    p.pushCopy(Buffer.from(`${LINES[0]}\n${LINES[1]}\n`));
    expect(output(p)).toBe(`${LINES[0]}\tRUN\n${LINES[1]}\tRUN\n`);
  });

  it('encodes rows the transform changed, keeping the source text of unchanged fields', () => {
    const p = processor({
      transform: defineTransform({
        from: Item,
        to: BronzeItem,
        map: (row) => ({ ...row, price: '0.50' }),
      }),
    });
    p.pushCopy(Buffer.from(`${LINES[1]}\n${LINES[2]}\n`));
    expect(output(p)).toBe(
      `2\tcafé ☕\t0.50\t{a,"b \\\\"c\\\\"","d,e"}\t2024-01-01 00:00:02.000001+00\n` +
        `3\ttab\\there\t0.50\t\\N\t2024-01-01 00:00:02.000002+00\n`,
    );
  });

  it('processes rows of a server-side cursor (field texts) into the same COPY text', () => {
    const p = processor();
    for (const line of LINES) p.push(parseCopyLine(line));
    const whole = processor();
    whole.pushCopy(Buffer.from(TEXT));
    expect(output(p)).toBe(output(whole));
    expect(p.counts).toEqual(whole.counts);
    expect(p.cursorText).toBe(whole.cursorText);
  });
});

describe('RowProcessor on binary COPY data', () => {
  const eventCodecs = columnsOf(Event).map((c) => binaryCodecFor(c));
  const EPOCH = Date.parse('2000-01-01T00:00:00Z');

  /** A timestamp field with microseconds. */
  const at = (iso: string, micros = 0): Buffer => {
    const field = Buffer.alloc(12);
    field.writeInt32BE(8, 0);
    field.writeBigInt64BE(BigInt((Date.parse(iso) - EPOCH) * 1000 + micros), 4);
    return field;
  };

  /** One row: event_id, name, amount, flag, code, local_at, at. */
  const row = (id: number, name: string, when: Buffer, amount: bigint | null = 5n): Buffer => {
    const writer = new BinaryWriter();
    writer.fieldCount(7);
    writer.int32Field(id);
    writer.textField(name);
    if (amount === null) writer.nullField();
    else writer.bigintField(amount);
    writer.booleanField(id % 2 === 0);
    writer.int16Field(-id);
    writer.nullField();
    writer.rawField(when, 0, when.length);
    return Buffer.from(writer.take() as Buffer);
  };

  const ROWS: [Buffer, Buffer, Buffer, Buffer, Buffer] = [
    row(1, 'café ☕', at('2024-01-01T00:00:01Z', 1)),
    row(2, 'skip', at('2024-01-01T00:00:09Z')),
    row(3, 'far too long', at('2024-01-01T00:00:08Z', 7)),
    row(4, 'd', at('2024-01-01T00:00:01Z', 2), null),
    row(5, 'e', at('2024-01-01T00:00:01.000Z')),
  ];
  const DATA = Buffer.concat([BINARY_HEADER, ...ROWS, BINARY_TRAILER]);

  function binary(overrides: Partial<RowProcessorOptions> = {}): RowProcessor {
    return new RowProcessor({
      source: Event,
      target: BronzeEvent,
      transform: eventToBronze,
      cursor: 'at',
      lineSuffix: '',
      maxStoredRejects: 100,
      format: 'binary',
      ...overrides,
    });
  }

  const bytes = (p: RowProcessor): Buffer => Buffer.concat(p.take().map((x) => Buffer.from(x)));

  /** The rows of binary COPY output, decoded. */
  function decode(output: Buffer): Record<string, unknown>[] {
    const parse = compileBinaryRowParser(
      columnsOf(Event).map((c) => c.name),
      eventCodecs,
    );
    const offsets = new Int32Array(15);
    const rows: Record<string, unknown>[] = [];
    let p = BINARY_HEADER.length;
    for (;;) {
      const end = binaryRowEnd(output, p, 7);
      if (end < 0) break;
      rows.push(parse(output, p, offsets));
      p = end;
    }
    expect(output.subarray(p)).toEqual(BINARY_TRAILER);
    return rows;
  }

  it('passes rows through as the bytes they came in, filtering and rejecting as in text', () => {
    const p = binary();
    p.pushCopy(DATA);
    p.endCopy();
    const expected = Buffer.concat([BINARY_HEADER, ROWS[0], ROWS[3], ROWS[4], BINARY_TRAILER]);
    expect(bytes(p)).toEqual(expected);
    expect(p.counts).toEqual({ read: 5, accepted: 3, rejected: 1, filtered: 1 });
    expect(p.rejects).toEqual([
      {
        stage: 'source',
        reason: 'name: longer than 10 characters',
        rowData: expect.stringContaining('"event_id":"3"') as string,
        key: ['3'],
      },
    ]);
    // The row as read, to the microsecond (a Date holds milliseconds only).
    expect(JSON.parse(p.rejects[0]?.rowData ?? '')).toEqual({
      event_id: '3',
      name: 'far too long',
      amount: '5',
      flag: 'f',
      code: '-3',
      local_at: null,
      at: '2024-01-01 00:00:08.000007+00',
    });
    // The highest value read (rejected and filtered rows count), to the microsecond.
    expect(p.cursorText).toBe('2024-01-01 00:00:09+00');
    const q = binary();
    q.pushCopy(Buffer.concat([BINARY_HEADER, ROWS[0], ROWS[3], ROWS[4]]));
    expect(q.cursorText).toBe('2024-01-01 00:00:01.000002+00');
  });

  it('gives the same output however the data is cut into chunks', () => {
    const whole = binary();
    whole.pushCopy(DATA);
    whole.endCopy();
    const expected = bytes(whole);
    for (let cut = 1; cut < DATA.length; cut += 1) {
      const p = binary();
      p.pushCopy(DATA.subarray(0, cut));
      const first = bytes(p);
      p.pushCopy(DATA.subarray(cut));
      p.endCopy();
      expect(Buffer.concat([first, bytes(p)])).toEqual(expected);
      expect(p.counts).toEqual(whole.counts);
      expect(p.cursorText).toBe(whole.cursorText);
    }
  });

  it('encodes rows the transform changed, copying the fields it passed through', () => {
    const p = binary({
      transform: defineTransform({
        from: Event,
        to: BronzeEvent,
        // Row 2 comes right after a run of rows passed through; row 4 right after a reject.
        map: (r) =>
          r.event_id % 2 === 0 ? { ...r, name: `n${r.event_id}`, amount: 44n, flag: true } : r,
      }),
      maxStoredRejects: 0,
    });
    p.pushCopy(DATA);
    p.endCopy();
    const rows = decode(bytes(p));
    expect(rows.map((r) => [r.event_id, r.name, r.amount, r.flag, r.code])).toEqual([
      [1, 'café ☕', 5n, false, -1],
      [2, 'n2', 44n, true, -2],
      [4, 'n4', 44n, true, -4],
      [5, 'e', 5n, false, -5],
    ]);
    expect(p.rejects).toEqual([]);
    expect(p.counts.rejected).toBe(1);
  });

  describe('through a projection (transform columns), proved from the bytes', () => {
    const copy = defineTransform({ from: Event, to: BronzeEvent, columns: 'same' });
    const asMap = defineTransform({ from: Event, to: BronzeEvent, map: (r) => ({ ...r }) });

    /** Output, counts, rejects and cursor: what must not depend on the path a row took. */
    const outcome = (p: RowProcessor, data: Buffer) => {
      p.pushCopy(data);
      p.endCopy();
      return { bytes: bytes(p), counts: p.counts, rejects: p.rejects, cursor: p.cursorText };
    };

    it('gives what the same transform as a map gives, invalid rows rejected alike', () => {
      // Row 3's name breaks varchar(10): it is parsed and rejected as on the map's path.
      expect(outcome(binary({ transform: copy }), DATA)).toEqual(
        outcome(binary({ transform: asMap }), DATA),
      );
      const proved = outcome(binary({ transform: copy }), DATA);
      expect(proved.counts).toEqual({ read: 5, accepted: 4, rejected: 1, filtered: 0 });
      expect(proved.bytes).toEqual(
        Buffer.concat([BINARY_HEADER, ROWS[0], ROWS[1], ROWS[3], ROWS[4], BINARY_TRAILER]),
      );
      expect(proved.cursor).toBe('2024-01-01 00:00:09+00');
    });

    it('runs no transform for a row it proves, and parses only the others', () => {
      // A map that throws shows which rows took the slow path: only the invalid one.
      const spy = {
        ...copy,
        map: () => {
          throw new Error('map called');
        },
      };
      const p = binary({ transform: spy });
      p.pushCopy(DATA);
      p.endCopy();
      expect(p.counts).toEqual({ read: 5, accepted: 4, rejected: 1, filtered: 0 });
      expect(p.rejects[0]?.reason).toBe('name: longer than 10 characters');
      // A transform without a projection takes the slow path for every row.
      const q = binary({ transform: { ...asMap, map: spy.map } });
      q.pushCopy(DATA);
      q.endCopy();
      expect(q.counts.accepted).toBe(0);
    });

    it('refuses a NULL the contract does not allow, by the slow path', () => {
      const writer = new BinaryWriter();
      writer.fieldCount(7);
      writer.int32Field(9);
      writer.nullField(); // name is not nullable
      for (let i = 0; i < 5; i += 1) writer.nullField();
      const data = Buffer.concat([
        BINARY_HEADER,
        Buffer.from(writer.take() as Buffer),
        BINARY_TRAILER,
      ]);
      const proved = outcome(binary({ transform: copy }), data);
      expect(proved).toEqual(outcome(binary({ transform: asMap }), data));
      expect(proved.counts.rejected).toBe(1);
    });

    it('writes the projected fields in the target order when they are not the source row', () => {
      const Narrow = withAudit(
        defineTable({
          name: 'narrow',
          columns: {
            at: col.timestamptz(),
            id: col.integer().primaryKey(),
            label: col.text(),
          },
        }),
      );
      const pick = defineTransform({
        from: Event,
        to: Narrow,
        columns: { at: 'at', id: 'event_id', label: 'name' },
      });
      const pickMap = defineTransform({
        from: Event,
        to: Narrow,
        map: (r) => ({ at: r.at, id: r.event_id, label: r.name }),
      });
      const proved = outcome(binary({ target: Narrow, transform: pick }), DATA);
      expect(proved).toEqual(outcome(binary({ target: Narrow, transform: pickMap }), DATA));
      expect(proved.counts.accepted).toBe(4);
    });

    it('gives the same output however the data is cut into chunks', () => {
      const expected = outcome(binary({ transform: copy }), DATA);
      for (let cut = 1; cut < DATA.length; cut += 7) {
        const p = binary({ transform: copy });
        p.pushCopy(DATA.subarray(0, cut));
        const first = bytes(p);
        p.pushCopy(DATA.subarray(cut));
        p.endCopy();
        expect(Buffer.concat([first, bytes(p)])).toEqual(expected.bytes);
        expect(p.counts).toEqual(expected.counts);
        expect(p.cursorText).toBe(expected.cursor);
      }
    });
  });

  it('refuses data that ends before its trailer, or is not binary', () => {
    const p = binary();
    p.pushCopy(DATA.subarray(0, DATA.length - 2));
    expect(() => p.endCopy()).toThrow('ended before its trailer');
    expect(() => binary().pushCopy(Buffer.from('1\tx\n'.repeat(10)))).toThrow(
      'did not send binary COPY data',
    );
  });
});
