import { compileValidator, dataColumns } from '@datakit/contracts';
import type { AnyTable, AnyTransform, Column, ColumnMeta, RowValidator } from '@datakit/contracts';

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
  readonly #buildRow: (fields: readonly (string | null)[]) => Record<string, unknown>;
  readonly #validateSource: RowValidator;
  readonly #targetColumns: TargetColumn[];
  readonly #validateTarget: RowValidator;
  readonly #cursorIndex: number;
  /** Target columns are the source columns, same order, same representation. */
  readonly #sameLayout: boolean;
  readonly #cursorCompare: (a: string, b: string) => number;
  #out = '';

  constructor(options: RowProcessorOptions) {
    this.#options = options;
    const sourceColumns = columnsOf(options.source);
    this.#sourceNames = sourceColumns.map((c) => c.name);
    this.#buildRow = compileRowBuilder(
      this.#sourceNames,
      sourceColumns.map((c) => codecFor(c)),
    );
    this.#validateSource = compileValidator(options.source);
    const data = dataColumns(options.target);
    this.#targetColumns = data.map((column) => {
      const index = sourceColumns.findIndex(
        (s) => s.name === column.name && sameRepresentation(s, column),
      );
      return { name: column.name, codec: codecFor(column), sourceIndex: index };
    });
    // A value passed through from a source column with the same contract was validated once.
    const trusted = data.filter((column) =>
      sourceColumns.some((s) => s.name === column.name && sameContract(s, column)),
    );
    this.#validateTarget = compileValidator(options.target, {
      withoutAudit: true,
      trusted: new Set(trusted.map((c) => c.name)),
    });
    this.#sameLayout =
      this.#targetColumns.length === sourceColumns.length &&
      this.#targetColumns.every((c, i) => c.sourceIndex === i);
    this.#cursorIndex = options.cursor === null ? -1 : this.#sourceNames.indexOf(options.cursor);
    const cursorColumn = sourceColumns[this.#cursorIndex];
    this.#cursorCompare = compareFor(cursorColumn);
  }

  /**
   * Processes one source row given as its COPY text fields (`null` for SQL NULL) and, when it
   * came from COPY, the escaped line itself (written as is when every column passed through).
   */
  push(fields: readonly (string | null)[], line?: string): void {
    this.counts.read += 1;
    const input = this.#buildRow(fields);
    this.#trackCursor(fields);

    const sourceProblem = this.#validateSource(input);
    if (sourceProblem !== null) {
      this.#reject('source', input, sourceProblem);
      return;
    }
    let mapped: Record<string, unknown> | null;
    try {
      mapped = this.#options.transform.map(input as never) as Record<string, unknown> | null;
    } catch (error) {
      this.#reject('target', input, `the transform threw: ${(error as Error).message}`);
      return;
    }
    if (mapped === null) {
      this.counts.filtered += 1;
      return;
    }
    const targetProblem =
      typeof mapped === 'object'
        ? this.#validateTarget(mapped, input)
        : 'the transform returned no row';
    if (targetProblem !== null) {
      this.#reject('target', mapped, targetProblem);
      return;
    }
    this.counts.accepted += 1;
    this.#out +=
      line !== undefined && this.#sameLayout && this.#passedThrough(mapped, input)
        ? `${line}${this.#options.lineSuffix}\n`
        : this.#encode(mapped, input, fields);
  }

  /** The COPY text of the rows accepted since the last call (empty string when none). */
  take(): string {
    const text = this.#out;
    this.#out = '';
    return text;
  }

  /** Whether every target column holds the very value of the source column of its name. */
  #passedThrough(row: Record<string, unknown>, source: Record<string, unknown>): boolean {
    const columns = this.#targetColumns;
    for (let i = 0; i < columns.length; i += 1) {
      const name = (columns[i] as TargetColumn).name;
      if (row[name] !== source[name]) return false;
    }
    return true;
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
    return `${line}${this.#options.lineSuffix}\n`;
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

/**
 * A function that turns a row's COPY fields into the source row object, compiled once per table
 * (as zod and ajv compile validators): an object literal with the contract's column names gets
 * one fixed shape, which keeps property reads fast in the transform and the validators. The
 * names are checked identifiers (`defineTable` refuses others) and are quoted anyway.
 */
export function compileRowBuilder(
  names: readonly string[],
  codecs: readonly Codec[],
): (fields: readonly (string | null)[]) => Record<string, unknown> {
  const decoders = codecs.map((codec) => codec.decode);
  const properties = names.map(
    (name, i) =>
      `${JSON.stringify(name)}: f[${i}] === null ? null : f[${i}] === undefined ? undefined : d[${i}](f[${i}])`,
  );
  const make = new Function('d', `return (f) => ({ ${properties.join(', ')} });`) as (
    d: readonly ((text: string) => unknown)[],
  ) => (fields: readonly (string | null)[]) => Record<string, unknown>;
  return make(decoders);
}

/** Whether two columns accept exactly the same values. */
function sameContract(source: ColumnMeta, target: ColumnMeta): boolean {
  const keys = [
    'kind',
    'sqlType',
    'nullable',
    'maxLength',
    'precision',
    'scale',
    'min',
    'max',
  ] as const;
  return (
    source.kind !== 'custom' &&
    keys.every((key) => source[key] === target[key]) &&
    JSON.stringify(source.values) === JSON.stringify(target.values) &&
    JSON.stringify(source.element) === JSON.stringify(target.element)
  );
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
