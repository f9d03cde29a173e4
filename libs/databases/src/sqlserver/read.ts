import type { Column } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import type { DatakitError } from '@datakit/errors';

import type { ReadRequest, SourceRows } from '../adapter.ts';
import { cursorValueExpression, readStatement } from './statements.ts';
import type { ReadColumn } from './statements.ts';
import { canonicalTextOf, readableType } from './types.ts';
import type { CanonicalText } from './types.ts';

/**
 * The part of an `mssql` Request a streamed read uses (tedious and msnodesqlv8 alike):
 * `stream = true`, `arrayRowMode = true`, `row`/`error`/`done` events, `pause()`/`resume()`.
 */
export interface StreamingRequest {
  stream: boolean;
  arrayRowMode: boolean;
  on(event: 'row', listener: (row: unknown[]) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'done', listener: () => void): unknown;
  query(statement: string): unknown;
  pause(): unknown;
  resume(): unknown;
  cancel(): unknown;
}

/** What a read needs from its session. */
export interface ReadContext {
  /** A new request on the session's pool. */
  request(): StreamingRequest;
  /** Turns a driver failure during the read into a platform error. */
  convert(error: unknown): DatakitError;
}

/** A read planned from the contract: the statement and how to rewrite each column's text. */
export interface ReadPlan {
  statement: string;
  rewrites: readonly (CanonicalText | undefined)[];
}

/**
 * Plans the SELECT of one read from the source contract: every contract column by its source
 * name and its SQL Server type (the contract's `sqlType`, which the drift check compared with
 * the catalog before), after the saved cursor when there is one, and the rows asked for again by
 * key (rejected by earlier runs) whatever the cursor.
 */
export function planRead(request: ReadRequest): ReadPlan {
  const columns = Object.values(request.table.columns) as Column[];
  const read: ReadColumn[] = columns.map((column) => ({
    name: column.sourceName,
    type: readableType(column.sqlType, column.name),
  }));
  let cursor: { column: ReadColumn; after: string | null; inclusive: boolean } | null = null;
  if (request.cursor !== null) {
    const index = columns.findIndex((column) => column.name === request.cursor?.column);
    const column = read[index];
    if (column === undefined) {
      throw new ConfigError(
        `The cursor column ${request.cursor.column} is not a column of the contract ${request.table.name}.`,
        { hint: 'Mark one of the contract columns with .cursor().' },
      );
    }
    if (cursorValueExpression(column.type, '0') === undefined) {
      throw new ConfigError(
        `The cursor column ${request.cursor.column} of ${request.table.name} is ${column.type.name}, which cannot order an incremental read.`,
        {
          hint: 'Use a rowversion column (mssql.rowversion().cursor()), a datetime2 that every write sets, or an increasing integer; or no cursor for a full read.',
        },
      );
    }
    cursor = { column, after: request.cursor.after, inclusive: request.cursor.inclusive === true };
  }
  return {
    statement: readStatement({
      schema: request.schema,
      table: request.table.sourceName,
      columns: read,
      cursor,
      ...(request.keys === undefined ? {} : { keys: keysOf(request.keys, columns, read) }),
    }),
    rewrites: read.map((column) => canonicalTextOf(column.type)),
  };
}

/** The key columns of a read by key, by source name and read type, and the values as given. */
function keysOf(
  keys: NonNullable<ReadRequest['keys']>,
  columns: readonly Column[],
  read: readonly ReadColumn[],
): { columns: ReadColumn[]; values: readonly (readonly string[])[] } {
  const keyColumns = keys.columns.map((name) => {
    const column = read[columns.findIndex((c) => c.name === name)];
    if (column === undefined) throw new TypeError(`key column ${name} is not in the contract`);
    return column;
  });
  return { columns: keyColumns, values: keys.values };
}

/**
 * Streams the rows of one read as batches of canonical-text fields, with backpressure: the
 * driver is paused while {@link MAX_QUEUED_BATCHES} batches wait for the loader and resumed
 * when it has taken them, so memory stays flat in the row count. Stopping the iteration early
 * cancels the statement.
 */
export function streamRows(context: ReadContext, plan: ReadPlan, batchSize: number): SourceRows {
  return { kind: 'fields', batches: batches(context, plan, Math.max(1, batchSize)) };
}

/** Batches waiting for the loader before the driver is paused. */
export const MAX_QUEUED_BATCHES = 2;

async function* batches(
  context: ReadContext,
  plan: ReadPlan,
  batchSize: number,
): AsyncGenerator<readonly (readonly (string | null)[])[]> {
  const request = context.request();
  request.stream = true;
  request.arrayRowMode = true;
  const queue: (string | null)[][][] = [];
  let current: (string | null)[][] = [];
  let failure: unknown;
  let done = false;
  let paused = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const { rewrites } = plan;

  request.on('row', (row) => {
    const fields: (string | null)[] = new Array(rewrites.length);
    for (let i = 0; i < rewrites.length; i += 1) {
      const value = row[i];
      if (value === null || value === undefined) fields[i] = null;
      else {
        const text = typeof value === 'string' ? value : String(value);
        const rewrite = rewrites[i];
        fields[i] = rewrite === undefined ? text : rewrite(text);
      }
    }
    current.push(fields);
    if (current.length >= batchSize) {
      queue.push(current);
      current = [];
      // Paused from inside the row event: the driver has handed over this whole row, so no
      // half-read row can be lost (mssql's msnodesqlv8 adapter drops rows emitted while paused).
      if (queue.length >= MAX_QUEUED_BATCHES && !paused) {
        paused = true;
        request.pause();
      }
      signal();
    }
  });
  request.on('error', (error) => {
    failure ??= error;
    signal();
  });
  request.on('done', () => {
    done = true;
    signal();
  });
  request.query(plan.statement);

  let finished = false;
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        if (paused && queue.length < MAX_QUEUED_BATCHES) {
          paused = false;
          request.resume();
        }
        yield next;
        continue;
      }
      if (failure !== undefined) throw context.convert(failure);
      if (done) {
        if (current.length > 0) {
          const last = current;
          current = [];
          yield last;
        }
        finished = true;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!finished && failure === undefined) {
      // The loader stopped early (or failed): end the statement instead of reading on.
      request.cancel();
    }
  }
}
