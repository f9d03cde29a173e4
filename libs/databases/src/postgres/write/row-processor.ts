import { isAscii } from 'node:buffer';

import { compileValidator, dataColumns, pgDateDays } from '@datakit/contracts';
import type { AnyTable, AnyTransform, Column, ColumnMeta, RowValidator } from '@datakit/contracts';

import {
  ALWAYS,
  BINARY_HEADER,
  BINARY_TRAILER,
  BinaryWriter,
  binaryCodecFor,
  certainCheck,
  binaryRowEnd,
  binaryHeaderLength,
  formatMicros,
  readMicros,
} from './binary-copy.ts';
import type { BinaryCodec, WireCheck } from './binary-copy.ts';
import { retagArrayField } from './binary-formats.ts';
import { rowJson } from './bookkeeping.ts';
import type { StoredReject } from './bookkeeping.ts';
import { codecFor, parseIsoTimestamp } from './codecs.ts';
import type { Codec } from './codecs.ts';
import { COPY_NULL, escapeCopyText, unescapeField } from './copy-text.ts';
import type { CopyFormat } from '../../adapter.ts';
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
  /**
   * The COPY format of `pushCopy`'s input and of the output (default text). Binary needs
   * every source and target column of a kind binary-copy.ts supports and `lineSuffix` empty.
   */
  format?: CopyFormat;
  /**
   * Keys (JSON of the source key's canonical texts, see {@link RowProcessor.keyOf}) of rows
   * rejected by earlier runs: the processor notes what became of each one it reads.
   */
  watchKeys?: ReadonlySet<string>;
  /**
   * Binary output: the element type OID of each target array column (by name), which
   * PostgreSQL checks in every array it reads; arrays passed through get it written into
   * their header. Without one, the element kind's own type.
   */
  elementOids?: ReadonlyMap<string, number>;
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
  /** For binary output. */
  binary: BinaryCodec | undefined;
  /** Index of the source column of the same name and representation, or -1. */
  sourceIndex: number;
  /**
   * The other source columns of its representation: a value the transform took from one of
   * them under another name (a rename) is written as that field's bytes too, when it is the
   * very object decoded from it (a Date keeps its microseconds, jsonb its numbers' digits).
   */
  others: readonly number[];
  /** Binary output, an array column: the target's element type OID, written into its header. */
  elementOid: number | undefined;
}

/** `#process`'s word for a row to be written as the very bytes it came in. */
const AS_IS = Symbol('as is');

/**
 * The per-row work of a load, between the source's COPY text and the target's: decode the
 * source fields into a row, validate it against the source contract, run the transform,
 * validate the result against the target contract (without its audit columns) and encode it
 * as a COPY line. Rejected rows are counted and kept with their reason; filtered rows counted.
 * Tracks the highest cursor value read.
 *
 * Rows arrive either as chunks of COPY data (`pushCopy`, the fast path: fields are decoded in
 * place and a row every target column of which passes through unchanged is written as the
 * very bytes it came in), text or binary, or as arrays of field texts (`push`, for a
 * server-side cursor).
 */
export class RowProcessor {
  readonly counts: ProcessedCounts = { read: 0, accepted: 0, rejected: 0, filtered: 0 };
  readonly rejects: StoredReject[] = [];
  /** What became of each watched key read in this load (see `watchKeys`). */
  readonly outcomes = new Map<string, 'loaded' | 'filtered' | 'rejected again'>();

  readonly #options: RowProcessorOptions;
  readonly #sourceColumns: Column[];
  readonly #sourceCodecs: Codec[];
  /** Binary input: the source columns' binary codecs. */
  readonly #sourceBinary: BinaryCodec[];
  /** Indexes of the source key's columns in the source row; empty for a keyless source. */
  readonly #keyIndexes: number[];
  readonly #watchKeys: ReadonlySet<string> | undefined;
  readonly #sourceNames: string[];
  readonly #buildRow: (fields: readonly (string | null)[]) => Record<string, unknown>;
  readonly #parseCopyRow: CopyRowParser;
  readonly #validateSource: RowValidator;
  readonly #targetColumns: TargetColumn[];
  readonly #validateTarget: RowValidator;
  readonly #cursorIndex: number;
  readonly #cursorName: string;
  readonly #cursorKind: string;
  /** The highest cursor value read so far, as the source wrote it (text input). */
  #cursorText: string | null = null;
  /** The cursor's highest value as a number (integers, timestamps' milliseconds), or NaN. */
  #cursorKey = Number.NaN;
  /** Binary input: the highest cursor value (timestamps in microseconds since 2000). */
  #cursorValue: number | bigint | string | null = null;
  /**
   * Binary input with a timestamp cursor: its highest value's two big-endian words, compared
   * as they come (no Date per row); the high word starts below any a timestamp can have.
   */
  readonly #cursorMicros: boolean;
  #cursorHigh = -(2 ** 31) - 1;
  #cursorLow = 0;
  readonly #binary: boolean;
  readonly #parseBinaryRow: BinaryRowParser | undefined;
  /**
   * Binary input through a projection (see {@link compileProvedRowScanner}): reads a row's
   * field offsets and proves it valid for both contracts from its bytes, or says it cannot.
   */
  readonly #proveRow: ProvedRowScanner | undefined;
  /** For #proveRow's rows: the source index of each target data column, in target order. */
  readonly #projected: readonly number[];
  /**
   * #proveRow's rows can be written as they came: each target data column takes the source
   * column at its place (whatever the names; a projection that swaps two columns cannot).
   */
  readonly #provedAsIs: boolean;
  /** For #proveRow's rows: `[source index, target element OID]` of the arrays projected. */
  readonly #provedArrayOids: readonly (readonly [number, number])[];
  readonly #writer = new BinaryWriter();
  /** Binary: `[source index, target element OID]` of array fields passed through. */
  readonly #arrayOids: (readonly [number, number])[];
  #inputStarted = false;
  #inputEnded = false;
  #outputStarted = false;
  /** The current binary chunk (with #offsets). */
  #data: Buffer = Buffer.alloc(0);
  /**
   * Rows can be written as they came: target columns are the source columns (same order,
   * same representation) and nothing is appended to a line.
   */
  readonly #asIs: boolean;
  readonly #cursorCompare: (a: string, b: string) => number;
  /**
   * Whether every target column holds the very value of the source column of its name
   * (`Object.is`: a NaN passed through is the same value, a -0 turned into 0 is not).
   */
  readonly #passedThrough: (
    row: Record<string, unknown>,
    source: Record<string, unknown>,
  ) => boolean;
  /** Field offsets of the current COPY row (see compileCopyRowParser). */
  readonly #offsets: Int32Array;
  /** The current row's source: a chunk of COPY text (with #offsets) or an array of fields. */
  #text = '';
  #fields: readonly (string | null)[] | null = null;
  /** COPY bytes of an incomplete last row, kept for the next chunk. */
  #rest: Buffer | null = null;
  /** Output so far: whole runs of input bytes and encoded rows, in order. */
  #pieces: (Buffer | string)[] = [];
  #out = '';
  /** The run of rows written as they came, `[start, end)` of `#runFrom`; start -1: none. */
  #runStart = -1;
  #runEnd = -1;
  /** What runs are cut from: the chunk's bytes, or its text when offsets are not bytes. */
  #runFrom: Buffer | string = '';

  constructor(options: RowProcessorOptions) {
    this.#options = options;
    const sourceColumns = columnsOf(options.source);
    this.#sourceNames = sourceColumns.map((c) => c.name);
    const codecs = sourceColumns.map((c) => codecFor(c));
    this.#sourceColumns = sourceColumns;
    this.#sourceCodecs = codecs;
    this.#keyIndexes = options.source.primaryKey.map((name) => this.#sourceNames.indexOf(name));
    this.#watchKeys =
      options.watchKeys !== undefined && options.watchKeys.size > 0 && this.#keyIndexes.length > 0
        ? options.watchKeys
        : undefined;
    this.#buildRow = compileRowBuilder(this.#sourceNames, codecs);
    this.#parseCopyRow = compileCopyRowParser(this.#sourceNames, codecs);
    this.#offsets = new Int32Array(2 * sourceColumns.length + 1);
    this.#binary = options.format === 'binary';
    this.#sourceBinary = this.#binary ? sourceColumns.map((c) => binaryCodecFor(c)) : [];
    this.#parseBinaryRow = this.#binary
      ? compileBinaryRowParser(this.#sourceNames, this.#sourceBinary)
      : undefined;
    // Binary values of some kinds are valid by construction: only their NULLs are checked.
    this.#validateSource = compileValidator(options.source, {
      exactKeys: true,
      typed: this.#binary
        ? new Set(sourceColumns.filter(impliedByWireType).map((c) => c.name))
        : undefined,
    });
    const data = dataColumns(options.target);
    this.#targetColumns = data.map((column) => {
      const index = sourceColumns.findIndex(
        (s) => s.name === column.name && sameRepresentation(s, column),
      );
      return {
        name: column.name,
        codec: codecFor(column),
        binary: this.#binary
          ? binaryCodecFor(column, options.elementOids?.get(column.name))
          : undefined,
        sourceIndex: index,
        others: sourceColumns.flatMap((s, i) =>
          i !== index && sameRepresentation(s, column) ? [i] : [],
        ),
        elementOid: column.kind === 'array' ? options.elementOids?.get(column.name) : undefined,
      };
    });
    // A value passed through from a source column with the same contract was validated once.
    const trusted = data.filter((column) =>
      sourceColumns.some((s) => s.name === column.name && sameContract(s, column)),
    );
    this.#validateTarget = compileValidator(options.target, {
      withoutAudit: true,
      trusted: new Set(trusted.map((c) => c.name)),
    });
    // Same-named columns: each source field feeds one target, so the pairs never conflict.
    this.#arrayOids = this.#binary
      ? (arrayRetags(
          data,
          this.#targetColumns.map((c) => c.sourceIndex),
          options.elementOids,
        ) ?? [])
      : [];
    this.#asIs =
      options.lineSuffix === '' &&
      this.#targetColumns.length === sourceColumns.length &&
      this.#targetColumns.every((c, i) => c.sourceIndex === i);
    this.#passedThrough = compilePassedThrough(data.map((c) => c.name));
    this.#cursorIndex = options.cursor === null ? -1 : this.#sourceNames.indexOf(options.cursor);
    this.#cursorName = options.cursor ?? '';
    const cursorColumn = sourceColumns[this.#cursorIndex];
    this.#cursorKind = cursorColumn?.kind ?? '';
    this.#cursorMicros = this.#binary && this.#cursorKind.startsWith('timestamp');
    this.#cursorCompare = compareFor(cursorColumn);
    const proved = this.#binary ? provedProjection(options, sourceColumns, data) : undefined;
    this.#proveRow = proved?.scan;
    this.#projected = proved?.sources ?? [];
    this.#provedAsIs =
      options.lineSuffix === '' &&
      this.#projected.length === sourceColumns.length &&
      this.#projected.every((from, i) => from === i);
    this.#provedArrayOids = proved?.arrayOids ?? [];
  }

  /** The highest cursor value read so far, as PostgreSQL prints it; null before any. */
  get cursorText(): string | null {
    if (!this.#binary) return this.#cursorText;
    const value = this.#cursorValue;
    if (value === null) return null;
    if (typeof value === 'number' && this.#cursorKind.startsWith('timestamp')) {
      return formatMicros(value, this.#cursorKind === 'timestamptz');
    }
    return String(value);
  }

  /**
   * The cursor the next run resumes after: the highest value read, never below the saved one.
   * Rows read again by key (rejected by earlier runs) can be older than the saved value; with
   * nothing newer read, their value would otherwise move the cursor back and the next run would
   * read (an append: write) the rows between again.
   */
  nextCursor(saved: string | null): string | null {
    const read = this.cursorText;
    if (read === null || saved === null) return read ?? saved;
    return this.#cursorOrder(read, saved) > 0 ? read : saved;
  }

  /** Orders two cursor texts: timestamps by instant (then by their digits), others as read. */
  #cursorOrder(a: string, b: string): number {
    if (this.#cursorKind.startsWith('timestamp')) {
      const zoned = this.#cursorKind === 'timestamptz';
      const x = parseIsoTimestamp(a, zoned)?.getTime();
      const y = parseIsoTimestamp(b, zoned)?.getTime();
      if (x !== undefined && y !== undefined && x !== y) return x - y;
    }
    return this.#cursorCompare(a, b);
  }

  /**
   * Processes a chunk of the source's `COPY ... TO STDOUT` data. Rows may be split between
   * chunks (the incomplete end waits for the next chunk); call `endCopy` after the last one.
   */
  pushCopy(chunk: Buffer): void {
    const data = this.#rest === null ? chunk : Buffer.concat([this.#rest, chunk]);
    const used = this.#binary ? this.#binaryRows(data) : this.#textRows(data);
    this.#rest = used < data.length ? data.subarray(used) : null;
  }

  /**
   * After the last chunk. Text: a final line without its newline (not what PostgreSQL writes)
   * is read. Binary: the data must have ended with its trailer; the output gets its own.
   */
  endCopy(): void {
    const rest = this.#rest;
    this.#rest = null;
    if (this.#binary) {
      if (!this.#inputEnded || (rest !== null && rest.length > 0)) {
        throw new Error('the binary COPY data ended before its trailer');
      }
      this.#startOutput();
      this.#piece(BINARY_TRAILER);
      return;
    }
    if (rest !== null && rest.length > 0) this.#textRows(Buffer.concat([rest, NEWLINE]));
  }

  /**
   * Processes one source row given as its field texts (`null` for SQL NULL), as a server-side
   * cursor returns them (text format only).
   */
  push(fields: readonly (string | null)[]): void {
    this.#fields = fields;
    const input = this.#buildRow(fields);
    const row = this.#process(input, false);
    if (row !== null && row !== AS_IS) this.#write(row, input);
  }

  /** The COPY data of the rows accepted since the last call, in order (empty when none). */
  take(): (Buffer | string)[] {
    this.#flushText();
    this.#flushWriter();
    const pieces = this.#pieces;
    this.#pieces = [];
    return pieces;
  }

  /** The whole lines of COPY text at the start of `data`; returns the bytes they take. */
  #textRows(data: Buffer): number {
    const used = data.lastIndexOf(10 /* \n */) + 1;
    if (used === 0) return 0;
    const lines = used < data.length ? data.subarray(0, used) : data;
    // ASCII text has the same offsets in the string and in the bytes.
    const ascii = isAscii(lines);
    const text = lines.toString(ascii ? 'latin1' : 'utf8');
    const offsets = this.#offsets;
    const lineEnd = offsets.length - 2;
    this.#text = text;
    this.#fields = null;
    this.#runFrom = ascii ? lines : text;
    offsets[offsets.length - 1] = -1;
    let p = 0;
    while (p < text.length) {
      const input = this.#parseCopyRow(text, p, offsets);
      const end = (offsets[lineEnd] as number) + 1;
      this.#copyRow(input, p, end);
      p = end;
    }
    this.#flushRun();
    return used;
  }

  /** The header and whole rows of binary COPY at the start of `data`; returns the bytes used. */
  #binaryRows(data: Buffer): number {
    if (this.#inputEnded) return data.length;
    let p = 0;
    if (!this.#inputStarted) {
      p = binaryHeaderLength(data);
      if (p < 0) return 0;
      this.#inputStarted = true;
    }
    this.#startOutput();
    this.#data = data;
    this.#fields = null;
    this.#runFrom = data;
    const parse = this.#parseBinaryRow as BinaryRowParser;
    const count = this.#sourceNames.length;
    for (;;) {
      const end = binaryRowEnd(data, p, count);
      if (end === -2) {
        this.#inputEnded = true;
        p = data.length;
        break;
      }
      if (end === -1) break;
      if (this.#proveRow !== undefined && this.#proveRow(data, p, this.#offsets)) {
        if (this.#provedArrayOids.length > 0) this.#retagArrays(data, this.#provedArrayOids);
        this.#provedRow(p, end);
        p = end;
        continue;
      }
      const input = parse(data, p, this.#offsets);
      if (this.#arrayOids.length > 0) this.#retagArrays(data, this.#arrayOids);
      this.#copyRow(input, p, end);
      p = end;
    }
    this.#flushRun();
    return p;
  }

  /**
   * Writes the target's element OIDs into the current row's array fields (the source's are
   * its own types', e.g. another database's enum), so they can pass through as bytes.
   */
  #retagArrays(data: Buffer, arrayOids: readonly (readonly [number, number])[]): void {
    const offsets = this.#offsets;
    for (const [index, oid] of arrayOids) retagArrayField(data, offsets[2 * index] as number, oid);
  }

  #startOutput(): void {
    if (this.#outputStarted) return;
    this.#outputStarted = true;
    this.#pieces.push(BINARY_HEADER);
  }

  /** One row of COPY data, `[start, end)` of the current chunk: joins the run or is written. */
  #copyRow(input: Record<string, unknown>, start: number, end: number): void {
    const row = this.#process(input, true);
    if (row === AS_IS) {
      if (this.#runStart < 0) this.#runStart = start;
      this.#runEnd = end;
      return;
    }
    this.#flushRun();
    if (row !== null) this.#write(row, input);
  }

  /**
   * A row #proveRow proved valid, `[start, end)` of the current chunk: counted, its cursor
   * decoded (the one field decoded), and written as it came (joining the run) or as its
   * projected fields' bytes, without running the transform (a projection: the same values).
   */
  #provedRow(start: number, end: number): void {
    this.counts.read += 1;
    this.counts.accepted += 1;
    if (this.#cursorIndex >= 0) {
      if (this.#cursorMicros) this.#trackMicrosCursor();
      else this.#trackBinaryCursor(this.#binaryField(this.#cursorIndex));
    }
    if (this.#provedAsIs) {
      if (this.#runStart < 0) this.#runStart = start;
      this.#runEnd = end;
      return;
    }
    this.#flushRun();
    const writer = this.#writer;
    const offsets = this.#offsets;
    const projected = this.#projected;
    writer.fieldCount(projected.length);
    for (let i = 0; i < projected.length; i += 1) {
      const from = projected[i] as number;
      writer.rawField(this.#data, offsets[2 * from] as number, offsets[2 * from + 1] as number);
    }
  }

  /** Source field `index` of the current binary row, decoded (null for NULL). */
  #binaryField(index: number): unknown {
    const at = this.#offsets[2 * index] as number;
    const length = this.#data.readInt32BE(at);
    return length < 0
      ? null
      : (this.#sourceBinary[index] as BinaryCodec).decode(this.#data, at + 4, at + 4 + length);
  }

  #flushRun(): void {
    if (this.#runStart < 0) return;
    const from = this.#runFrom;
    this.#piece(
      typeof from === 'string'
        ? from.slice(this.#runStart, this.#runEnd)
        : from.subarray(this.#runStart, this.#runEnd),
    );
    this.#runStart = -1;
  }

  /**
   * Validates, transforms and validates one row; returns AS_IS when the COPY row can be
   * written as it came (every target column passed through), the row to write, or null for
   * a rejected or filtered row.
   */
  #process(
    input: Record<string, unknown>,
    fromCopy: boolean,
  ): typeof AS_IS | Record<string, unknown> | null {
    this.counts.read += 1;
    if (this.#cursorIndex >= 0) {
      if (this.#cursorMicros) this.#trackMicrosCursor();
      else if (this.#binary) this.#trackBinaryCursor(input[this.#cursorName]);
      else this.#trackCursor(input);
    }

    const watched = this.#watchKeys === undefined ? undefined : this.#watchedKey(input);
    const sourceProblem = this.#validateSource(input);
    if (sourceProblem !== null) {
      this.#reject('source', input, sourceProblem, watched);
      return null;
    }
    let mapped: Record<string, unknown> | null;
    try {
      mapped = this.#options.transform.map(input as never) as Record<string, unknown> | null;
    } catch (error) {
      this.#reject('target', input, `the transform threw: ${(error as Error).message}`, watched);
      return null;
    }
    if (mapped === null) {
      this.counts.filtered += 1;
      if (watched !== undefined) this.outcomes.set(watched, 'filtered');
      return null;
    }
    const targetProblem =
      typeof mapped === 'object'
        ? this.#validateTarget(mapped, input)
        : 'the transform returned no row';
    if (targetProblem !== null) {
      this.#reject('target', input, targetProblem, watched);
      return null;
    }
    this.counts.accepted += 1;
    if (watched !== undefined) this.outcomes.set(watched, 'loaded');
    return fromCopy && this.#asIs && this.#passedThrough(mapped, input) ? AS_IS : mapped;
  }

  /** Encodes a row into the output, after everything before it. */
  #write(row: Record<string, unknown>, source: Record<string, unknown>): void {
    if (this.#binary) this.#encodeBinary(row, source);
    else this.#out += this.#encode(row, source);
  }

  #piece(piece: Buffer | string): void {
    this.#flushText();
    this.#flushWriter();
    this.#pieces.push(piece);
  }

  #flushWriter(): void {
    const written = this.#writer.take();
    if (written !== null) this.#pieces.push(written);
  }

  #flushText(): void {
    if (this.#out !== '') {
      this.#pieces.push(this.#out);
      this.#out = '';
    }
  }

  /** Source field `index` of the current row as escaped COPY text (`\N` for null). */
  #copyField(index: number): string {
    const fields = this.#fields;
    if (fields === null) {
      return this.#text.slice(this.#offsets[2 * index], this.#offsets[2 * index + 1]);
    }
    const raw = fields[index];
    return raw === null || raw === undefined ? COPY_NULL : escapeCopyText(raw);
  }

  /** Source field `index` of the current row as plain text, or null. */
  #plainField(index: number): string | null {
    const fields = this.#fields;
    if (fields !== null) return fields[index] ?? null;
    const text = this.#copyField(index);
    return text === COPY_NULL ? null : text.includes('\\') ? unescapeField(text) : text;
  }

  #encode(row: Record<string, unknown>, source: Record<string, unknown>): string {
    let line = '';
    const columns = this.#targetColumns;
    for (let i = 0; i < columns.length; i += 1) {
      const column = columns[i] as TargetColumn;
      const value = row[column.name];
      // Passed through unchanged: the source's own text (exact, e.g. microseconds kept).
      const from = this.#passedFrom(column, value, source);
      const text = from >= 0 ? this.#copyField(from) : column.codec.encode(value);
      line = i === 0 ? text : `${line}\t${text}`;
    }
    return `${line}${this.#options.lineSuffix}\n`;
  }

  /** A row of binary COPY data: fields passed through are copied as they came. */
  #encodeBinary(row: Record<string, unknown>, source: Record<string, unknown>): void {
    const writer = this.#writer;
    const columns = this.#targetColumns;
    const offsets = this.#offsets;
    writer.fieldCount(columns.length);
    for (let i = 0; i < columns.length; i += 1) {
      const column = columns[i] as TargetColumn;
      const value = row[column.name];
      const from = this.#passedFrom(column, value, source);
      if (from >= 0) {
        const start = offsets[2 * from] as number;
        const end = offsets[2 * from + 1] as number;
        // A same-named array field was given the target's element OID as it was read.
        if (from === column.sourceIndex || column.elementOid === undefined) {
          writer.rawField(this.#data, start, end);
        } else {
          writer.rawArrayField(this.#data, start, end, column.elementOid);
        }
      } else if (value === null || value === undefined) {
        writer.nullField();
      } else {
        (column.binary as BinaryCodec).encode(value, writer);
      }
    }
  }

  /**
   * The source field a target value is passed through from: the same-named column's when it is
   * that value (`Object.is`), else another column's of the same representation whose decoded
   * object it is (a rename; only objects, whose identity names the field); -1 to encode it.
   */
  #passedFrom(column: TargetColumn, value: unknown, source: Record<string, unknown>): number {
    if (column.sourceIndex >= 0 && Object.is(value, source[column.name])) return column.sourceIndex;
    if (typeof value !== 'object' || value === null) return -1;
    for (const index of column.others) {
      if (source[this.#sourceNames[index] as string] === value) return index;
    }
    return -1;
  }

  /**
   * Binary input: keeps the highest cursor value read; numbers by value, text as the text path
   * compares it (timestamps: #trackMicrosCursor). An infinity is no place to resume from
   * (nothing would ever come after it): those rows are read again every run.
   */
  #trackBinaryCursor(decoded: unknown): void {
    const value = decoded as number | bigint | string | null | undefined;
    if (value === null || value === undefined || isInfinity(value)) return;
    const current = this.#cursorValue;
    if (typeof value === 'string') {
      if (current === null || this.#cursorCompare(value, String(current)) > 0) {
        this.#cursorValue = value;
      }
    } else if (current === null || value > (current as number | bigint)) {
      this.#cursorValue = value;
    }
  }

  /**
   * Binary input with a timestamp cursor: keeps the highest by its exact microseconds, from the
   * current row's bytes (no Date per row); most rows are not above the highest so far and are
   * passed over on their high word. The infinities are left out (no place to resume from).
   */
  #trackMicrosCursor(): void {
    const data = this.#data;
    const at = this.#offsets[2 * this.#cursorIndex] as number;
    if (data.readInt32BE(at) !== 8) return; // NULL
    const high = data.readInt32BE(at + 4);
    if (high < this.#cursorHigh) return;
    const low = data.readUInt32BE(at + 8);
    if (high === this.#cursorHigh && low <= this.#cursorLow) return;
    if ((high === 0x7fffffff && low === 0xffffffff) || (high === -0x80000000 && low === 0)) return;
    this.#cursorHigh = high;
    this.#cursorLow = low;
    this.#cursorValue = readMicros(data, at + 4);
  }

  /**
   * Keeps the highest cursor value read. Integers and timestamps compare by their decoded
   * value (timestamps to the millisecond, then by text for the microseconds); others by text.
   */
  #trackCursor(input: Record<string, unknown>): void {
    const value = input[this.#cursorName];
    if (value === null || value === undefined || isInfinity(value)) return;
    const key =
      typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
    if (!Number.isNaN(key) && this.#cursorText !== null && !Number.isNaN(this.#cursorKey)) {
      if (key < this.#cursorKey) return;
      if (key > this.#cursorKey) {
        this.#cursorKey = key;
        this.#cursorText = this.#plainField(this.#cursorIndex);
        return;
      }
    }
    const text = this.#plainField(this.#cursorIndex);
    if (text === null) return;
    if (this.#cursorText === null || this.#cursorCompare(text, this.#cursorText) > 0) {
      this.#cursorText = text;
      this.#cursorKey = key;
    }
  }

  /**
   * Keeps a rejected row: the source row as read, each value its exact canonical text (so a
   * timestamp keeps its microseconds), and its source key; the reason names the contract
   * column at fault (a target stage reason, the target's).
   */
  #reject(
    stage: 'source' | 'target',
    input: Record<string, unknown>,
    reason: string,
    watched: string | undefined,
  ): void {
    this.counts.rejected += 1;
    if (watched !== undefined) this.outcomes.set(watched, 'rejected again');
    if (this.rejects.length < this.#options.maxStoredRejects) {
      const row: Record<string, string | null> = {};
      for (let i = 0; i < this.#sourceNames.length; i += 1) {
        row[this.#sourceNames[i] as string] = this.#sourceText(i, input);
      }
      const key = this.#keyIndexes.length === 0 ? null : this.#keyTexts(input);
      this.rejects.push({ stage, reason, rowData: rowJson(row), key });
    }
  }

  /** The key of the current row when it is one of the watched ones. */
  #watchedKey(input: Record<string, unknown>): string | undefined {
    const key = RowProcessor.keyOf(this.#keyTexts(input));
    return this.#watchKeys?.has(key) === true ? key : undefined;
  }

  /** The current row's source key values, canonical text (a NULL key part as ''). */
  #keyTexts(input: Record<string, unknown>): string[] {
    return this.#keyIndexes.map((i) => this.#sourceText(i, input) ?? '');
  }

  /** How a key is written in `watchKeys` and `outcomes`: JSON of its values' texts. */
  static keyOf(texts: readonly string[]): string {
    return JSON.stringify(texts);
  }

  /**
   * The current row's source field `index` as its canonical text (PostgreSQL's text output
   * under SESSION_SETTINGS), or null for NULL: the field as it came for text input; for binary
   * input, timestamps from their microseconds and other values through their text codec
   * (binary codecs decode exactly).
   */
  #sourceText(index: number, input: Record<string, unknown>): string | null {
    if (!this.#binary) return this.#plainField(index);
    const column = this.#sourceColumns[index] as Column;
    const value = input[column.name];
    if (value === null || value === undefined) return null;
    const exact = (this.#sourceBinary[index] as BinaryCodec).text;
    if (exact !== undefined) {
      const start = (this.#offsets[2 * index] as number) + 4;
      return exact(this.#data, start, this.#offsets[2 * index + 1] as number);
    }
    const text = (this.#sourceCodecs[index] as Codec).encode(value);
    return text === COPY_NULL ? null : unescapeField(text);
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Reads one row of binary COPY data starting at `start` (its field count; the row is known to
 * be complete) and returns the row object. `offsets` receives each field's start (its length
 * word) and end, so a field can be copied as is.
 */
export type BinaryRowParser = (
  data: Buffer,
  start: number,
  offsets: Int32Array,
) => Record<string, unknown>;

/** Compiles the binary COPY row parser of a table (see compileCopyRowParser). */
export function compileBinaryRowParser(
  names: readonly string[],
  codecs: readonly BinaryCodec[],
): BinaryRowParser {
  const body: string[] = ['p += 2;', 'let l;'];
  names.forEach((_, i) => {
    body.push(
      `o[${2 * i}] = p; l = b.readInt32BE(p); p += 4;`,
      `const v${i} = l < 0 ? null : d[${i}](b, p, p + l);`,
      `if (l > 0) p += l;`,
      `o[${2 * i + 1}] = p;`,
    );
  });
  body.push(`return ${rowLiteral(names, (i) => `v${i}`)};`);
  const make = new Function('d', `return (b, p, o) => { ${body.join(' ')} };`) as (
    d: readonly BinaryCodec['decode'][],
  ) => BinaryRowParser;
  return make(codecs.map((codec) => codec.decode));
}

/**
 * Reads one row of COPY text starting at `start`: decodes every field in place (no string per
 * field for numbers and timestamps) and returns the row object. `offsets` receives each field's
 * start and end (`2i`, `2i + 1`; the last field's end is the line's newline); its last slot
 * caches where the next backslash is (-1 at the start of a new text).
 */
export type CopyRowParser = (
  text: string,
  start: number,
  offsets: Int32Array,
) => Record<string, unknown>;

/**
 * Compiles the COPY row parser of a table (as compileRowBuilder does the row builder). A field
 * with a backslash in it is `\N` (null) or escaped: it is unescaped, then decoded; the rest are
 * decoded straight from the chunk's text.
 */
export function compileCopyRowParser(
  names: readonly string[],
  codecs: readonly Codec[],
): CopyRowParser {
  const ranges = codecs.map((codec) => codec.decodeRange);
  const slow = (i: number, text: string, start: number, end: number): unknown => {
    const field = text.slice(start, end);
    if (field === COPY_NULL) return null;
    return (codecs[i] as Codec).decode(unescapeField(field));
  };
  const n = names.length;
  const body: string[] = ['let bs = o[' + String(2 * n) + '];', 'let e;'];
  names.forEach((_, i) => {
    const separator = i === n - 1 ? "'\\n'" : "'\\t'";
    body.push(
      `e = s.indexOf(${separator}, p);`,
      `if (e < 0) throw new Error('COPY text ended inside a row');`,
      `if (bs < p) { bs = s.indexOf('\\\\', p); if (bs < 0) bs = 2147483647; }`,
      `o[${2 * i}] = p; o[${2 * i + 1}] = e;`,
      `const v${i} = bs < e ? slow(${i}, s, p, e) : r[${i}](s, p, e);`,
      'p = e + 1;',
    );
  });
  body.push(`o[${2 * n}] = bs;`);
  body.push(`return ${rowLiteral(names, (i) => `v${i}`)};`);
  const make = new Function('r', 'slow', `return (s, p, o) => { ${body.join(' ')} };`) as (
    r: readonly Codec['decodeRange'][],
    slowPath: typeof slow,
  ) => CopyRowParser;
  return make(ranges, slow);
}

/**
 * A function that turns a row's COPY fields into the source row object, compiled once per table
 * (as zod and ajv compile validators): an object literal with the contract's column names gets
 * one fixed shape, which keeps property reads fast in the transform and the validators.
 */
export function compileRowBuilder(
  names: readonly string[],
  codecs: readonly Codec[],
): (fields: readonly (string | null)[]) => Record<string, unknown> {
  const decoders = codecs.map((codec) => codec.decode);
  const row = rowLiteral(
    names,
    (i) => `f[${i}] === null ? null : f[${i}] === undefined ? undefined : d[${i}](f[${i}])`,
  );
  const make = new Function('d', `return (f) => (${row});`) as (
    d: readonly ((text: string) => unknown)[],
  ) => (fields: readonly (string | null)[]) => Record<string, unknown>;
  return make(decoders);
}

/** Compiles {@link RowProcessor}'s pass-through check: each name read as a constant. */
function compilePassedThrough(
  names: readonly string[],
): (row: Record<string, unknown>, source: Record<string, unknown>) => boolean {
  const same = names.map((name) => {
    const key = JSON.stringify(name);
    return `Object.is(r[${key}], s[${key}])`;
  });
  return new Function('r', 's', `return ${same.length === 0 ? 'true' : same.join(' && ')};`) as (
    row: Record<string, unknown>,
    source: Record<string, unknown>,
  ) => boolean;
}

/**
 * The object literal a compiled row function returns: one property per column, in contract
 * order, so every row of a table has one shape. The names are checked identifiers
 * (`defineTable` refuses others) and are quoted anyway.
 */
function rowLiteral(names: readonly string[], value: (index: number) => string): string {
  return `{ ${names.map((name, i) => `${JSON.stringify(name)}: ${value(i)}`).join(', ')} }`;
}

/**
 * Reads one complete row of binary COPY data starting at `start` into `offsets` (as
 * {@link BinaryRowParser} does) without decoding it, and returns true only when every field is
 * proved valid for both contracts from its bytes; false as soon as one cannot be (the row is
 * then parsed and validated as any other).
 */
type ProvedRowScanner = (data: Buffer, start: number, offsets: Int32Array) => boolean;

/** How one source field is proved: may it be NULL, and what proves a value. */
interface FieldProof {
  nullable: boolean;
  checks: WireCheck[];
}

/**
 * The projection a binary load can run from the bytes: every target data column takes a
 * source column (the transform's `columns`) of the same representation, and every source and
 * target column has a wire check; with the target element OID to write into each source
 * array taken. Undefined when the transform is a function, a column cannot be proved, one
 * source array goes to arrays of two element types, or earlier rejects are watched (their
 * rows need their keys decoded).
 */
function provedProjection(
  options: RowProcessorOptions,
  sourceColumns: readonly Column[],
  targetColumns: readonly Column[],
): { scan: ProvedRowScanner; sources: number[]; arrayOids: [number, number][] } | undefined {
  const projection = options.transform.columns;
  if (projection === undefined || (options.watchKeys?.size ?? 0) > 0) return undefined;
  const proofs: (FieldProof | undefined)[] = sourceColumns.map((column) => {
    const check = certainCheck(column);
    return check === undefined
      ? undefined
      : { nullable: column.nullable, checks: check === ALWAYS ? [] : [check] };
  });
  const sources: number[] = [];
  for (const target of targetColumns) {
    const index = sourceColumns.findIndex((c) => c.name === projection[target.name]);
    const source = sourceColumns[index];
    const proof = proofs[index];
    if (source === undefined || proof === undefined || !sameRepresentation(source, target)) {
      return undefined;
    }
    sources.push(index);
    if (sameContract(source, target)) continue;
    const check = certainCheck(target);
    if (check === undefined) return undefined;
    proof.nullable &&= target.nullable;
    if (check !== ALWAYS) proof.checks.push(check);
  }
  if (proofs.some((proof) => proof === undefined)) return undefined;
  const arrayOids = arrayRetags(targetColumns, sources, options.elementOids);
  if (arrayOids === undefined) return undefined;
  return { scan: compileProvedRowScanner(proofs as FieldProof[]), sources, arrayOids };
}

/**
 * `[source index, element OID]` for each target array column with a known element type and a
 * source field (`sources[i]` for target `i`, -1 for none), written into that field as it is
 * read; undefined when one source field feeds arrays of two element types.
 */
function arrayRetags(
  targets: readonly Column[],
  sources: readonly number[],
  elementOids: ReadonlyMap<string, number> | undefined,
): [number, number][] | undefined {
  const retags = new Map<number, number>();
  for (const [i, target] of targets.entries()) {
    const oid = elementOids?.get(target.name);
    const from = sources[i] ?? -1;
    if (target.kind !== 'array' || oid === undefined || from < 0) continue;
    if ((retags.get(from) ?? oid) !== oid) return undefined;
    retags.set(from, oid);
  }
  return [...retags];
}

/**
 * Compiles a {@link ProvedRowScanner}: per field, its offsets, then a NULL the contracts allow
 * or a value every check accepts.
 */
function compileProvedRowScanner(proofs: readonly FieldProof[]): ProvedRowScanner {
  const checks: WireCheck[] = [];
  const body: string[] = ['p += 2;', 'let l;'];
  proofs.forEach((proof, i) => {
    const tests = proof.checks.map((check) => {
      checks.push(check);
      return `c[${checks.length - 1}](b, p, p + l)`;
    });
    const value = tests.length === 0 ? '' : ` if (!(${tests.join(' && ')})) return false;`;
    body.push(
      `o[${2 * i}] = p; l = b.readInt32BE(p); p += 4;`,
      proof.nullable
        ? `if (l >= 0) {${value} p += l; }`
        : `if (l < 0) return false;${value} p += l;`,
      `o[${2 * i + 1}] = p;`,
    );
  });
  body.push('return true;');
  const make = new Function('c', `return (b, p, o) => { ${body.join(' ')} };`) as (
    c: readonly WireCheck[],
  ) => ProvedRowScanner;
  return make(checks);
}

/** PostgreSQL's `infinity` or `-infinity` (dates and timestamps): never a saved cursor. */
function isInfinity(value: unknown): boolean {
  return value === 'infinity' || value === '-infinity';
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

/**
 * Whether every value a source column's binary codec decodes is valid for the column's
 * contract whatever the row, its wire type guaranteeing it (the kind's {@link certainCheck}
 * is {@link ALWAYS}): only its NULLs are checked.
 */
function impliedByWireType(meta: ColumnMeta): boolean {
  return certainCheck(meta) === ALWAYS;
}

/**
 * Whether a source column's text can be written as is into the target column: the same kind,
 * and for arrays the same element kind (text[] and date[] are both string[], not the same bytes).
 */
function sameRepresentation(source: Column, target: Column): boolean {
  return (
    source.kind === target.kind &&
    source.kind !== 'custom' &&
    source.element?.kind === target.element?.kind
  );
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
    case 'date':
      // BC dates and years past 9999 do not order as text.
      return (a, b) => (pgDateDays(a) ?? Number.NaN) - (pgDateDays(b) ?? Number.NaN);
    default:
      return (a, b) => (a === b ? 0 : a > b ? 1 : -1);
  }
}
