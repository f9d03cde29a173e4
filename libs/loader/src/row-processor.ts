import { AUDIT_COLUMN_NAMES, formatIssues } from '@datakit/contracts';
import type { AnyTable, AnyTransform, Column } from '@datakit/contracts';
import { z } from 'zod';

import type { StoredReject } from './bookkeeping.ts';
import { codecFor } from './codecs.ts';
import type { Codec } from './codecs.ts';
import { COPY_NULL, escapeCopyText } from './copy-text.ts';
import { columnsOf } from './sql.ts';

/** What the processor needs to know about one table load. */
export interface RowProcessorOptions {
  source: AnyTable;
  target: AnyTable;
  transform: AnyTransform;
  /** The source contract column the load resumes after, or null. */
  cursor: string | null;
  /**
   * Appended to every output line: the audit columns' escaped values (`\t<run>\t<now>...`)
   * when writing straight into an audited target; empty when writing to a staging table.
   */
  lineSuffix: string;
  /** At most this many rejected rows are kept for storing; the rest are only counted. */
  maxStoredRejects: number;
}

/** Counts of what the processor has seen. */
export interface ProcessedCounts {
  read: number;
  /** Rows that passed both contracts and were written to the output. */
  accepted: number;
  rejected: number;
  filtered: number;
}

interface TargetColumn {
  name: string;
  codec: Codec;
  /** Index of the source column of the same name and representation, or -1. */
  sourceIndex: number;
}

/**
 * The per-row work of a load, between the source's COPY text and the target's: decode the
 * source fields into a row, validate it against the source contract, run the transform,
 * validate the result against the target contract (without its audit columns) and encode it
 * as a COPY line. Rejected rows are counted and kept with their reason; filtered rows counted.
 * Tracks the highest cursor value read.
 */
export class RowProcessor {
  readonly counts: ProcessedCounts = { read: 0, accepted: 0, rejected: 0, filtered: 0 };
  readonly rejects: StoredReject[] = [];
  /** The highest cursor value read so far, as the source wrote it; null before any. */
  cursorText: string | null = null;

  readonly #options: RowProcessorOptions;
  readonly #sourceNames: string[];
  readonly #sourceCodecs: Codec[];
  readonly #sourceSchema: z.ZodType;
  readonly #targetColumns: TargetColumn[];
  readonly #targetSchema: z.ZodType;
  readonly #cursorIndex: number;
  readonly #cursorCompare: (a: string, b: string) => number;
  #out: string[] = [];

  constructor(options: RowProcessorOptions) {
    this.#options = options;
    const sourceColumns = columnsOf(options.source);
    this.#sourceNames = sourceColumns.map((c) => c.name);
    this.#sourceCodecs = sourceColumns.map((c) => codecFor(c));
    this.#sourceSchema = options.source.zod;
    const data = dataColumns(options.target);
    this.#targetColumns = data.map((column) => {
      const index = sourceColumns.findIndex(
        (s) => s.name === column.name && sameRepresentation(s, column),
      );
      return { name: column.name, codec: codecFor(column), sourceIndex: index };
    });
    this.#targetSchema = z.strictObject(Object.fromEntries(data.map((c) => [c.name, c.zod])));
    this.#cursorIndex = options.cursor === null ? -1 : this.#sourceNames.indexOf(options.cursor);
    const cursorColumn = sourceColumns[this.#cursorIndex];
    this.#cursorCompare = compareFor(cursorColumn);
  }

  /** Processes one source row given as its COPY text fields (`null` for SQL NULL). */
  push(fields: readonly (string | null)[]): void {
    this.counts.read += 1;
    const names = this.#sourceNames;
    const codecs = this.#sourceCodecs;
    const input: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i += 1) {
      const text = fields[i];
      input[names[i] as string] =
        text === null ? null : text === undefined ? undefined : (codecs[i] as Codec).decode(text);
    }
    this.#trackCursor(fields);

    const source = this.#sourceSchema.safeParse(input);
    if (!source.success) {
      this.#reject('source', input, formatIssues(source.error.issues));
      return;
    }
    let mapped: unknown;
    try {
      mapped = this.#options.transform.map(source.data as never);
    } catch (error) {
      this.#reject('target', input, `the transform threw: ${(error as Error).message}`);
      return;
    }
    if (mapped === null) {
      this.counts.filtered += 1;
      return;
    }
    const target = this.#targetSchema.safeParse(mapped);
    if (!target.success) {
      this.#reject('target', mapped, formatIssues(target.error.issues));
      return;
    }
    this.counts.accepted += 1;
    this.#out.push(this.#encode(target.data as Record<string, unknown>, source.data, fields));
  }

  /** The COPY text of the rows accepted since the last call (empty string when none). */
  take(): string {
    if (this.#out.length === 0) return '';
    const text = `${this.#out.join('\n')}\n`;
    this.#out = [];
    return text;
  }

  #encode(
    row: Record<string, unknown>,
    source: unknown,
    fields: readonly (string | null)[],
  ): string {
    const sourceRow = source as Record<string, unknown>;
    let line = '';
    const columns = this.#targetColumns;
    for (let i = 0; i < columns.length; i += 1) {
      const column = columns[i] as TargetColumn;
      const value = row[column.name];
      let text: string;
      if (column.sourceIndex >= 0 && value === sourceRow[column.name]) {
        // Passed through unchanged: the source's own text (exact, e.g. microseconds kept).
        const raw = fields[column.sourceIndex];
        text = raw === null || raw === undefined ? COPY_NULL : escapeCopyText(raw);
      } else {
        text = column.codec.encode(value);
      }
      line = i === 0 ? text : `${line}\t${text}`;
    }
    return line + this.#options.lineSuffix;
  }

  #trackCursor(fields: readonly (string | null)[]): void {
    if (this.#cursorIndex < 0) return;
    const text = fields[this.#cursorIndex];
    if (text === null || text === undefined) return;
    if (this.cursorText === null || this.#cursorCompare(text, this.cursorText) > 0) {
      this.cursorText = text;
    }
  }

  #reject(stage: 'source' | 'target', row: unknown, reason: string): void {
    this.counts.rejected += 1;
    if (this.rejects.length < this.#options.maxStoredRejects) {
      this.rejects.push({ stage, reason, row });
    }
  }
}

/** The target's columns a transform fills: all but the audit columns of an audited table. */
export function dataColumns(table: AnyTable): Column[] {
  const audit = new Set<string>(AUDIT_COLUMN_NAMES);
  return columnsOf(table).filter((c) => !table.audited || !audit.has(c.name));
}

/** Whether a source column's text can be written as is into the target column. */
function sameRepresentation(source: Column, target: Column): boolean {
  return source.kind === target.kind && source.kind !== 'custom';
}

/**
 * Compares two cursor values as PostgreSQL printed them. Numbers compare as numbers; ISO
 * dates and timestamps in UTC (`2022-02-14 10:24:46.5+00`) compare as text, which orders
 * them correctly and keeps their microseconds.
 */
function compareFor(column: Column | undefined): (a: string, b: string) => number {
  switch (column?.kind) {
    case 'smallint':
    case 'integer':
    case 'numeric':
      return (a, b) => Number(a) - Number(b);
    case 'bigint':
      return (a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        return x === y ? 0 : x > y ? 1 : -1;
      };
    default:
      return (a, b) => (a === b ? 0 : a > b ? 1 : -1);
  }
}
