import { describe, expect, it } from 'vitest';

import { BronzeItem, Item, itemToBronze } from './__fixtures__/items.ts';
import { codecFor } from './codecs.ts';
import { parseCopyLine } from './copy-text.ts';
import { compileCopyRowParser, compileRowBuilder, RowProcessor } from './row-processor.ts';
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
      updated: expect.any(Date) as Date,
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
        rowData: expect.stringContaining('"item_id":5') as string,
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
      transform: {
        ...itemToBronze,
        map: (row: Record<string, unknown>) => ({ ...row, price: '0.50' }),
      } as typeof itemToBronze,
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
