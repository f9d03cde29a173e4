import {
  col,
  dataColumns,
  defineTable,
  defineTransform,
  withAudit,
  createRandom,
} from '@datakit/contracts';
import type { AnyTable, AnyTransform, ColumnBuilder } from '@datakit/contracts';
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
import type { BinaryCodec } from './binary-copy.ts';
import { ARRAY_OID_OFFSET } from './binary-formats.ts';
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

  it('writes a value a map renamed as the bytes of the field it came from (microseconds kept)', () => {
    const Renamed = withAudit(
      defineTable({
        name: 'renamed',
        columns: {
          id: col.integer().primaryKey(),
          label: col.text(),
          happened: col.timestamptz(),
          also: col.timestamptz(),
        },
      }),
    );
    const rename = defineTransform({
      from: Event,
      to: Renamed,
      // `also` is the same instant, but a new Date: encoded (to the millisecond).
      map: (r) => ({ id: r.event_id, label: r.name, happened: r.at, also: new Date(r.at) }),
    });
    const p = binary({ target: Renamed, transform: rename });
    p.pushCopy(Buffer.concat([BINARY_HEADER, ROWS[0], BINARY_TRAILER]));
    p.endCopy();
    const out = bytes(p);
    const parse = compileBinaryRowParser(
      ['id', 'label', 'happened', 'also'],
      columnsOf(Renamed)
        .slice(0, 4)
        .map((c) => binaryCodecFor(c)),
    );
    const offsets = new Int32Array(9);
    parse(out, BINARY_HEADER.length, offsets);
    const field = (i: number) => out.subarray(offsets[2 * i]!, offsets[2 * i + 1]!);
    // ROWS[0]'s `at` is 2024-01-01T00:00:01Z plus 1 µs: the renamed field keeps the µs.
    expect(field(2)).toEqual(at('2024-01-01T00:00:01Z', 1));
    expect(field(3)).toEqual(at('2024-01-01T00:00:01Z', 0));
  });

  it('gives a renamed array the target element type in its header', () => {
    const Tagged = defineTable({
      name: 'tagged',
      columns: { id: col.integer().primaryKey(), tags: col.array(col.text()).nullable() },
    });
    const Labelled = defineTable({
      name: 'labelled',
      columns: { id: col.integer().primaryKey(), labels: col.array(col.text()).nullable() },
    });
    const writer = new BinaryWriter();
    writer.fieldCount(2);
    writer.int32Field(1);
    binaryCodecFor(col.array(col.text()).meta, 25).encode(['a', 'b'], writer);
    const data = Buffer.concat([
      BINARY_HEADER,
      Buffer.from(writer.take() as Buffer),
      BINARY_TRAILER,
    ]);
    const p = new RowProcessor({
      source: Tagged,
      target: Labelled,
      transform: defineTransform({
        from: Tagged,
        to: Labelled,
        map: (r) => ({ id: r.id, labels: r.tags }),
      }),
      cursor: null,
      lineSuffix: '',
      maxStoredRejects: 10,
      format: 'binary',
      elementOids: new Map([['labels', 1043]]),
    });
    p.pushCopy(data);
    p.endCopy();
    const out = bytes(p);
    // header, field count, id (4 + 4), then the array field: its element OID after
    // length, ndim and flags.
    const arrayAt = BINARY_HEADER.length + 2 + 8;
    expect(out.readUInt32BE(arrayAt + 12)).toBe(1043);
    expect(out.subarray(arrayAt + 16)).toEqual(data.subarray(arrayAt + 16));
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

    /** Binary COPY data of rows given as their fields' values, each encoded by its codec. */
    const stream = (codecs: readonly BinaryCodec[], rows: readonly unknown[][]): Buffer => {
      const writer = new BinaryWriter();
      for (const values of rows) {
        writer.fieldCount(values.length);
        values.forEach((value, i) => {
          if (value === null) writer.nullField();
          // A Buffer is the field's bytes, written as they are (a value no encoder writes).
          else if (Buffer.isBuffer(value)) writer.bytesField(value);
          else (codecs[i] as BinaryCodec).encode(value, writer);
        });
      }
      return Buffer.concat([BINARY_HEADER, writer.take() ?? Buffer.alloc(0), BINARY_TRAILER]);
    };

    /** The rows of binary COPY output of `table`'s data columns, and each array's element OID. */
    const rowsOf = (table: AnyTable, output: Buffer): Record<string, unknown>[] => {
      const columns = dataColumns(table);
      const parse = compileBinaryRowParser(
        columns.map((c) => c.name),
        columns.map((c) => binaryCodecFor(c)),
      );
      const offsets = new Int32Array(2 * columns.length + 1);
      const rows: Record<string, unknown>[] = [];
      let p = BINARY_HEADER.length;
      for (;;) {
        const end = binaryRowEnd(output, p, columns.length);
        if (end < 0) break;
        const row = parse(output, p, offsets);
        columns.forEach((c, i) => {
          const at = offsets[2 * i] as number;
          if (c.kind === 'array' && output.readInt32BE(at) >= ARRAY_OID_OFFSET) {
            row[`${c.name} OID`] = output.readUInt32BE(at + ARRAY_OID_OFFSET);
          }
        });
        rows.push(row);
        p = end;
      }
      expect(output.subarray(p)).toEqual(BINARY_TRAILER);
      return rows;
    };

    it('writes swapped columns swapped, though the target has the source columns in order', () => {
      const Pair = defineTable({ name: 'pair', columns: { a: col.integer(), b: col.integer() } });
      const BronzePair = withAudit(Pair);
      const data = stream(
        columnsOf(Pair).map((c) => binaryCodecFor(c)),
        [[1, 2]],
      );
      const run = (transform: AnyTransform) => {
        const p = binary({ source: Pair, target: BronzePair, transform, cursor: null });
        p.pushCopy(Buffer.from(data));
        p.endCopy();
        return rowsOf(BronzePair, bytes(p));
      };
      const swap = defineTransform({ from: Pair, to: BronzePair, columns: { a: 'b', b: 'a' } });
      expect(run(swap)).toEqual([{ a: 2, b: 1 }]);
      const twice = defineTransform({ from: Pair, to: BronzePair, columns: { a: 'a', b: 'a' } });
      expect(run(twice)).toEqual([{ a: 1, b: 1 }]);
    });

    it("writes the target's element type into an array it takes under another name", () => {
      const Tagged = defineTable({
        name: 'tagged',
        columns: { id: col.integer(), tags: col.array(col.varchar(4)) },
      });
      const Labelled = withAudit(
        defineTable({
          name: 'labelled',
          columns: { id: col.integer(), labels: col.array(col.varchar(4)) },
        }),
      );
      // varchar[] is read as text[] (element OID 25); the target column is varchar[] (1043).
      const codecs = [binaryCodecFor(Tagged.columns.id), binaryCodecFor(Tagged.columns.tags, 25)];
      const data = stream(codecs, [
        [1, ['ab', 'cd']],
        [2, ['too long']],
      ]);
      const run = (transform: AnyTransform) => {
        const p = binary({
          source: Tagged,
          target: Labelled,
          transform,
          cursor: null,
          elementOids: new Map([['labels', 1043]]),
        });
        p.pushCopy(Buffer.from(data));
        p.endCopy();
        return { rows: rowsOf(Labelled, bytes(p)), counts: p.counts };
      };
      const renamed = run(
        defineTransform({ from: Tagged, to: Labelled, columns: { id: 'id', labels: 'tags' } }),
      );
      expect(renamed.rows).toEqual([{ id: 1, labels: ['ab', 'cd'], 'labels OID': 1043 }]);
      expect(renamed).toEqual(
        run(
          defineTransform({
            from: Tagged,
            to: Labelled,
            map: (r) => ({ id: r.id, labels: r.tags }),
          }),
        ),
      );
    });

    it('decodes and encodes an array whose elements are of another kind than its source', () => {
      // text[] and date[] are both string[] to TypeScript, but their bytes differ.
      const Texts = defineTable({ name: 'texts', columns: { d: col.array(col.text()) } });
      const Dates = withAudit(
        defineTable({ name: 'dates', columns: { d: col.array(col.date()) } }),
      );
      const data = stream([binaryCodecFor(Texts.columns.d)], [[['2024-02-29']], [['abcd']]]);
      for (const transform of [
        defineTransform({ from: Texts, to: Dates, columns: 'same' }),
        defineTransform({ from: Texts, to: Dates, map: (r) => ({ d: r.d }) }),
      ]) {
        const p = binary({
          source: Texts,
          target: Dates,
          transform,
          cursor: null,
          elementOids: new Map([['d', 1082]]),
        });
        p.pushCopy(Buffer.from(data));
        p.endCopy();
        // 'abcd' is no date: rejected, not written as the date its four bytes would make.
        expect(p.counts).toEqual({ read: 2, accepted: 1, rejected: 1, filtered: 0 });
        expect(rowsOf(Dates, bytes(p))).toEqual([{ d: ['2024-02-29'], 'd OID': 1082 }]);
      }
    });

    it('proves a jsonb field at the very end of a chunk (a row per CopyData message)', () => {
      const Docs = defineTable({ name: 'docs', columns: { id: col.integer(), doc: col.jsonb() } });
      const BronzeDocs = withAudit(Docs);
      const data = stream(
        columnsOf(Docs).map((c) => binaryCodecFor(c)),
        [[1, { key: 'a_b' }]],
      );
      const p = binary({
        source: Docs,
        target: BronzeDocs,
        transform: defineTransform({ from: Docs, to: BronzeDocs, columns: 'same' }),
        cursor: null,
      });
      // The first chunk ends with the row, whose last bytes are `_b"}`.
      p.pushCopy(data.subarray(0, data.length - BINARY_TRAILER.length));
      p.pushCopy(BINARY_TRAILER);
      p.endCopy();
      expect(rowsOf(BronzeDocs, bytes(p))).toEqual([{ id: 1, doc: { key: 'a_b' } }]);
    });

    describe('fuzzed: a projection gives what the same transform as a map gives', () => {
      /** A seeded generator (the factories' mulberry32), so a failure is the same on every run. */
      function generator(seed: number) {
        const random = createRandom(seed);
        const bytes = (n: number): Buffer =>
          Buffer.from(Array.from({ length: n }, () => random.int(0, 255)));
        const shuffle = <T>(items: readonly T[]): T[] =>
          items
            .map((item) => [random.next(), item] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, item]) => item);
        return {
          next: random.next,
          int: random.int,
          pick: random.pick,
          chance: random.bool,
          bytes,
          shuffle,
        };
      }
      type Random = ReturnType<typeof generator>;
      type Builder = ColumnBuilder<unknown>;

      const CHARS = ['a', 'Z', '7', ' ', '"', '\\', '{', ',', '\t', 'é', '☕', '😀', 'N'];
      const text = (random: Random, max: number): string =>
        Array.from({ length: random.int(0, max) }, () => random.pick(CHARS)).join('');
      const digits = (random: Random, n: number): string =>
        Array.from({ length: n }, () => String(random.int(0, 9))).join('');
      /** Microseconds since 2000 as a timestamp's bytes. */
      const micros = (value: bigint): Buffer => {
        const field = Buffer.alloc(8);
        field.writeBigInt64BE(value);
        return field;
      };
      const json = (random: Random, depth = 0): unknown => {
        if (depth === 0 && random.chance(0.05)) {
          // Deeper than the wire check proves, and a key zod rewrites: both take the slow path.
          return random.chance(0.5)
            ? JSON.parse(`${'['.repeat(70)}1${']'.repeat(70)}`)
            : JSON.parse('{"__proto__": {"a": 1}, "b": 2}');
        }
        switch (depth > 2 ? random.int(0, 2) : random.int(0, 4)) {
          case 0:
            return random.pick([true, false, null, 0, -1.5, 1e21, 12345678901234]);
          case 1:
            return random.int(-1000, 1000) / random.pick([1, 4, 100]);
          case 2:
            return text(random, 6);
          case 3:
            return Array.from({ length: random.int(0, 3) }, () => json(random, depth + 1));
          default:
            return Object.fromEntries(
              Array.from({ length: random.int(0, 3) }, () => [
                text(random, 4),
                json(random, depth + 1),
              ]),
            );
        }
      };

      /**
       * The source columns a scenario draws from: each with the target columns a projection
       * may make of it (other bounds, lengths, nullability) and its values, valid or not for
       * either contract (a Buffer is a field's bytes as PostgreSQL sends them).
       */
      const POOL: Record<
        string,
        { builder: Builder; variants: Builder[]; value: (random: Random) => unknown }
      > = {
        id: {
          builder: col.integer().primaryKey(),
          variants: [col.integer(), col.integer({ min: 0, max: 40 })],
          value: (random) => random.int(-5, 60),
        },
        x: {
          builder: col.integer({ min: -50, max: 50 }),
          variants: [col.integer({ min: -20, max: 20 }), col.integer().nullable()],
          value: (random) => random.int(-60, 60),
        },
        y: {
          builder: col.integer().nullable(),
          variants: [col.integer(), col.integer({ max: 0 }).nullable()],
          value: (random) => random.int(-100, 100),
        },
        name: {
          builder: col.varchar(8),
          // text is another kind than varchar: a projection that takes it is not proved.
          variants: [col.varchar(5), col.varchar(10).nullable(), col.text()],
          value: (random) => text(random, 10),
        },
        alias: {
          builder: col.varchar(8).nullable(),
          variants: [col.varchar(8), col.varchar(3).nullable()],
          value: (random) => text(random, 10),
        },
        amount: {
          builder: col.numeric(7, 2).nullable(),
          variants: [col.numeric(5, 2), col.numeric(9, 3).nullable(), col.numeric()],
          value: (random) =>
            random.chance(0.05)
              ? 'NaN'
              : `${random.chance(0.3) ? '-' : ''}${digits(random, random.int(1, 7))}${random.chance(0.6) ? `.${digits(random, random.int(1, 3))}` : ''}`,
        },
        big: {
          builder: col.bigint().nullable(),
          variants: [col.bigint()],
          value: (random) => BigInt(random.int(-1e9, 1e9)) * BigInt(random.int(1, 1e9)),
        },
        at: {
          builder: col.timestamptz(),
          variants: [col.timestamptz().nullable()],
          value: (random) =>
            micros(
              random.pick([
                // 2024 with microseconds; 1800 (beyond what the wire check proves); infinities.
                BigInt(random.int(0, 2 ** 30)) * 1000n +
                  757_382_400_000_000n +
                  BigInt(random.int(0, 999)),
                -6_311_433_600_000_000n + BigInt(random.int(0, 2 ** 30)),
                2n ** 63n - 1n,
                -(2n ** 63n),
              ]),
            ),
        },
        day: {
          builder: col.date().nullable(),
          variants: [col.date()],
          value: (random) =>
            random.pick(['2024-02-29', '0044-03-15 BC', 'infinity', '-infinity', '10000-01-01']),
        },
        tags: {
          builder: col.array(col.varchar(4).nullable()).nullable(),
          variants: [col.array(col.varchar(4)), col.array(col.varchar(2).nullable()).nullable()],
          value: (random) =>
            Array.from({ length: random.int(0, 4) }, () =>
              random.chance(0.15) ? null : text(random, 5),
            ),
        },
        codes: {
          builder: col.array(col.integer()),
          variants: [
            col.array(col.integer({ min: 0, max: 9 })),
            col.array(col.integer().nullable()).nullable(),
          ],
          value: (random) =>
            Array.from({ length: random.int(0, 4) }, () =>
              random.chance(0.1) ? null : random.int(-3, 12),
            ),
        },
        doc: {
          builder: col.jsonb().nullable(),
          variants: [col.jsonb()],
          value: (random) => json(random),
        },
        mood: {
          builder: col.enum(['a', 'b', 'c']),
          variants: [col.enum(['a', 'b']), col.enum(['a', 'b', 'c', 'd']).nullable()],
          value: (random) => random.pick(['a', 'b', 'c', 'd']),
        },
        ratio: {
          builder: col.real(),
          variants: [col.real().nullable()],
          value: (random) => random.bytes(4),
        },
        span: {
          builder: col.interval().nullable(),
          variants: [col.interval()],
          value: (random) => random.bytes(16),
        },
        uid: {
          builder: col.uuid(),
          variants: [col.uuid().nullable()],
          value: (random) => random.bytes(16),
        },
        ok: {
          builder: col.boolean(),
          variants: [col.boolean().nullable()],
          value: (random) => random.chance(0.5),
        },
        note: {
          builder: col.text().nullable(),
          variants: [col.text(), col.varchar(4).nullable()],
          value: (random) => text(random, 6),
        },
        // A kind without a wire check: a projection from a source that has it is not proved.
        cash: { builder: col.money().nullable(), variants: [col.money()], value: () => '-12.34' },
      };
      /** The element types of the target's array columns (varchar[], integer[]). */
      const TARGET_OIDS: Record<string, number> = { varchar: 1043, integer: 23 };
      /** The element types a source sends (varchar[] is read as text[]). */
      const SOURCE_OIDS: Record<string, number> = { varchar: 25, integer: 23 };

      it('gives the same rows, counts, rejects and cursor, however the data is cut', () => {
        const random = generator(0x0dd_ba11);
        let slow = 0;
        let rows = 0;
        for (let run = 0; run < 150; run += 1) {
          const keys = random
            .shuffle(Object.keys(POOL).filter((k) => k !== 'cash' || random.chance(0.1)))
            .slice(0, random.int(1, 9));
          const pool = (key: string) => POOL[key] as (typeof POOL)[string];
          const Source = defineTable({
            name: 'source',
            columns: Object.fromEntries(keys.map((k) => [k, pool(k).builder])),
          });
          const variant = (from: string): Builder =>
            random.chance(0.5) ? pool(from).builder : random.pick(pool(from).variants);
          // [target column, source column, target builder]
          let projection: [string, string, Builder][];
          if (random.chance(0.4)) {
            // The source's columns in its order, some taking another of the same kind: as is,
            // or swapped.
            projection = keys.map((k) => {
              const kind = pool(k).builder.meta.kind;
              const alike = keys.filter((o) => pool(o).builder.meta.kind === kind);
              const from = random.chance(0.4) ? random.pick(alike) : k;
              return [k, from, variant(from)];
            });
          } else {
            const used = new Set<string>();
            projection = Array.from({ length: random.int(1, keys.length + 1) }, (_, i) => {
              const from = random.pick(keys);
              const name = !used.has(from) && random.chance(0.6) ? from : `t${i}`;
              used.add(name);
              return [name, from, variant(from)];
            });
          }
          const Target = withAudit(
            defineTable({
              name: 'target',
              columns: Object.fromEntries(projection.map(([name, , builder]) => [name, builder])),
            }),
          );
          const pairs = Object.fromEntries(projection.map(([name, from]) => [name, from]));
          const projected = defineTransform({ from: Source, to: Target, columns: pairs as never });
          const counted: AnyTransform = {
            ...projected,
            map: (row) => {
              slow += 1;
              return projected.map(row);
            },
          };
          const asMap = defineTransform({
            from: Source,
            to: Target,
            map: (row) =>
              Object.fromEntries(
                projection.map(([name, from]) => [name, (row as Record<string, unknown>)[from]]),
              ) as never,
          });
          const elementOids = new Map(
            dataColumns(Target).flatMap((c) =>
              c.element === undefined
                ? []
                : [[c.name, TARGET_OIDS[c.element.kind] as number] as const],
            ),
          );
          const cursors = ['id', 'x', 'at', 'day', 'name', 'amount', 'big'].filter((k) =>
            keys.includes(k),
          );
          const cursor = random.chance(0.2) || cursors.length === 0 ? null : random.pick(cursors);

          const sourceColumns = columnsOf(Source);
          const codecs = sourceColumns.map((c) =>
            binaryCodecFor(c, c.element === undefined ? undefined : SOURCE_OIDS[c.element.kind]),
          );
          const values = Array.from({ length: random.int(0, 30) }, () =>
            keys.map((k) => (random.chance(0.1) ? null : pool(k).value(random))),
          );
          rows += values.length;
          const data = stream(codecs, values);
          const cuts = Array.from({ length: random.int(0, 5) }, () =>
            random.int(0, data.length),
          ).sort((a, b) => a - b);

          const options = {
            source: Source,
            target: Target,
            cursor,
            lineSuffix: '',
            maxStoredRejects: 100,
            format: 'binary' as const,
            elementOids,
          };
          const outcome = (transform: AnyTransform, chunks: readonly number[]) => {
            const p = new RowProcessor({ ...options, transform });
            let output = Buffer.alloc(0);
            let from = 0;
            for (const to of [...chunks, data.length]) {
              // A copy each: arrays passed through get their element type written in place.
              p.pushCopy(Buffer.from(data.subarray(from, to)));
              output = Buffer.concat([output, bytes(p)]);
              from = to;
            }
            p.endCopy();
            output = Buffer.concat([output, bytes(p)]);
            return {
              projection,
              rows: rowsOf(Target, output),
              counts: p.counts,
              rejects: p.rejects,
              cursor: p.cursorText,
            };
          };
          expect(outcome(counted, cuts)).toEqual(outcome(asMap, []));
        }
        // Most rows were proved from their bytes, and the slow path ran too.
        expect(rows).toBeGreaterThan(1_500);
        expect(slow).toBeGreaterThan(rows / 10);
        expect(slow).toBeLessThan(rows / 1.5);
      });
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
