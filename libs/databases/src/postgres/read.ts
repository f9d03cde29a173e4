import type pg from 'pg';

import type { ReadRequest, SourceRows } from '../adapter.ts';
import { copyOut } from './copy-out.ts';
import { binaryWireType } from './write/binary-copy.ts';
import { SESSION_SETTINGS } from './write/codecs.ts';
import { columnsOf, ident, literal, qualified } from './write/sql.ts';

/**
 * Reads one table of a PostgreSQL source after its saved cursor: `COPY (SELECT ...) TO
 * STDOUT` in the format asked for (binary casts each column to its contract's wire type, so
 * neither server prints or parses a value), or, for a session on libpq's native binding
 * (which node-postgres's COPY streams cannot drive), a server-side cursor fetched in batches
 * with every column as text, the same text COPY would give.
 */
export async function readSource(
  client: pg.Client,
  viaCursor: boolean,
  request: ReadRequest,
): Promise<SourceRows> {
  await prepareReadSession(client);
  if (viaCursor) {
    return {
      kind: 'fields',
      batches: fetchBatches(client, sourceSelect(request, 'text'), request.batchSize),
    };
  }
  const binary = request.format === 'binary';
  const stream = client.query(
    copyOut(
      `COPY (${sourceSelect(request, binary ? 'binary' : 'none')}) TO STDOUT${binary ? ' (FORMAT binary)' : ''}`,
    ),
  );
  return { kind: 'copy', format: request.format, stream };
}

/** The session settings the codecs rely on (the same on the target, see write/). */
export async function prepareReadSession(client: pg.Client): Promise<void> {
  await client.query(SESSION_SETTINGS);
}

/**
 * The SELECT the source is read with: the contract's columns by their source names, as text
 * for a server-side cursor and cast to their wire types for a binary read.
 */
function sourceSelect(request: ReadRequest, cast: 'text' | 'binary' | 'none'): string {
  const columns = columnsOf(request.table).map((c) => {
    const name = ident(c.sourceName);
    if (cast === 'text') return `${name}::text`;
    return cast === 'binary' ? `${name}::${binaryWireType(c) as string}` : name;
  });
  let sql = `SELECT ${columns.join(', ')} FROM ${qualified(request.schema, request.table.sourceName)}`;
  const cursor = request.cursor;
  if (cursor !== null && cursor.after !== null) {
    const column = request.table.columns[cursor.column] as { sourceName: string };
    const after = `${ident(column.sourceName)} ${cursor.inclusive === true ? '>=' : '>'} ${literal(cursor.after)}`;
    const keys = keyPredicate(request);
    sql += keys === undefined ? ` WHERE ${after}` : ` WHERE ${after} OR ${keys}`;
  }
  return sql;
}

/**
 * `(k1, k2) IN (('1', 'a'), ...)` for the rows read again by key: the literals are untyped,
 * so PostgreSQL reads each as its column's type (the canonical text is its input form).
 */
function keyPredicate(request: ReadRequest): string | undefined {
  const keys = request.keys;
  if (keys === undefined || keys.values.length === 0 || keys.columns.length === 0) return undefined;
  const names = keys.columns.map((name) => {
    const column = request.table.columns[name] as { sourceName: string } | undefined;
    if (column === undefined) throw new TypeError(`key column ${name} is not in the contract`);
    return ident(column.sourceName);
  });
  const tuple = (values: readonly string[]): string =>
    values.length === 1 ? literal(values[0] as string) : `(${values.map(literal).join(', ')})`;
  const columns = names.length === 1 ? (names[0] as string) : `(${names.join(', ')})`;
  return `${columns} IN (${keys.values.map(tuple).join(', ')})`;
}

/** Reads through a server-side cursor in batches, every column as text. */
async function* fetchBatches(
  client: pg.Client,
  select: string,
  batchSize: number,
): AsyncGenerator<(string | null)[][]> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`DECLARE datakit_read NO SCROLL CURSOR FOR ${select}`);
    for (;;) {
      const batch = await client.query<(string | null)[]>({
        text: `FETCH ${batchSize} FROM datakit_read`,
        rowMode: 'array',
      });
      yield batch.rows;
      if (batch.rows.length < batchSize) break;
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}
