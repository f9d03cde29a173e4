import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { cursorIsUnique, dataColumns, writeModeRefusal } from '@datakit/contracts';
import type { AnyTable, ColumnMeta } from '@datakit/contracts';
import { ConfigError, DatakitError, EnvironmentError, RejectsError } from '@datakit/errors';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import type { RejectResolution, TableLoad, TableLoadResult } from '../../adapter.ts';
import { describeRejectLimits, rejectsOverLimit } from '../../reject-limit.ts';

import { acceptsBinary, binaryWireType, writesBinary } from './binary-copy.ts';
import { SESSION_SETTINGS } from './codecs.ts';
import {
  clearCursor,
  ensureBookkeeping,
  knownRejects,
  markAbandoned,
  openRejectKeys,
  readCursor,
  recordRunEnd,
  recordRunStart,
  resolveRejects,
  saveCursor,
  storeRejects,
} from './bookkeeping.ts';
import type { StoredReject } from './bookkeeping.ts';
import { loadError } from './load-error.ts';
import { RowProcessor } from './row-processor.ts';
import {
  RUN_ID_SETTING,
  addAuditColumnsSql,
  addPrimaryKeySql,
  columnDefinition,
  columnsOf,
  createTableSql,
  enumTypesSql,
  ident,
  literal,
  qualified,
} from './sql.ts';
import {
  STAGE,
  comparedValue,
  comparesAsText,
  keyedMergeSql,
  mergeStatementFor,
  targetColumnList,
  type MergeStatement,
} from './merge-sql.ts';

/** One table load into a PostgreSQL warehouse: the generic request and the target's client. */
export interface LoadTableOptions extends TableLoad {
  /** A connected target session (the loader role: owns its schemas, not a superuser). */
  target: pg.Client;
}

/** Per target table, so that two runs never load the same table at once. */
const LOCK_NAMESPACE = 'datakit.load:';

/**
 * Loads one table, streaming end to end: `COPY (SELECT ...) TO STDOUT` from the source (or a
 * server-side cursor when the source session is libpq's native binding, which node-postgres's
 * COPY streams cannot drive), validate, transform, validate again, `COPY FROM STDIN` into the
 * target or a staging table, then merge; the cursor, the run's counts and the rows all commit
 * in one transaction, so a killed load leaves the target and the cursor as they were.
 *
 * - `append` inserts the rows; `replace` deletes every row first (same transaction: readers
 *   keep the old rows until the commit); `merge` upserts on the primary key (a keyless
 *   target: on its dedup rule's columns) and leaves rows whose data did not change untouched
 *   (their `_run_id` and `_updated_at` stay). A merge into an empty keyed table copies
 *   straight in.
 * - A cursor several rows can share (not the source's key, not a rowversion) is read from its
 *   saved value on (`>=`) by a merge, so a row committed later with that value is not lost;
 *   the rows at the saved value are read again and, unchanged, written nothing. A mode that
 *   would lose or double rows (see `writeModeRefusal`) is refused naming the table.
 * - Rejected rows are stored in `_datakit.rejects` with their reason, also when the run fails;
 *   more than `rejectThreshold` of the rows read and more than `rejectFloor` rows fails the
 *   load and the target is unchanged.
 *
 * Throws platform errors only (`RejectsError`, `EnvironmentError`, `ConfigError`).
 */
export async function loadTable(options: LoadTableOptions): Promise<TableLoadResult> {
  const { target, runId } = options;
  const targetName = `${options.targetSchema}.${options.targetTable.name}`;
  const sourceName = `${options.sourceSchema}.${options.sourceTable.sourceName}`;
  const refusal = writeModeRefusal(options.mode, {
    primaryKey: options.targetTable.primaryKey,
    cursor: options.cursor,
    cursorUnique: cursorIsUnique(options.sourceTable, options.cursor),
    dedupOn: options.dedupOn ?? [],
  });
  if (refusal !== undefined) {
    throw new ConfigError(`${targetName} cannot be loaded with ${options.mode}: ${refusal}.`, {
      hint: `Choose another mode for ${targetName} (the config's mode), or change its contract.`,
    });
  }
  try {
    await prepareSession(target);
    await ensureBookkeeping(target);
    await ensureSchema(target, options.targetSchema);
    await recordRunStart(target, {
      runId,
      targetTable: targetName,
      datakit: options.datakit,
      sourceTable: sourceName,
      mode: options.mode,
      contractHash: options.contractHash,
    });
  } catch (error) {
    throw loadError(error, { table: targetName, side: 'target' });
  }

  let cursorFrom: string | null = null;
  let processor: RowProcessor | undefined;
  // The rejected rows to store: those earlier runs did not reject already (see below).
  let newRejects: readonly StoredReject[] | undefined;
  try {
    if (options.extraColumns === 'evolve') await evolveTarget(options, targetName);
    await target.query('BEGIN');
    await lockTable(target, targetName);
    await markAbandoned(target, runId, targetName);
    const state = await prepareTarget(options, targetName);
    await target.query(`SELECT set_config('${RUN_ID_SETTING}', $1, true)`, [runId]);
    cursorFrom = state.cursorFrom;
    const now = (await target.query<{ now: string }>('SELECT now()::text AS now')).rows[0]?.now;
    const audited = options.targetTable.audited;
    const direct = state.direct;
    const lineSuffix =
      direct && audited && !state.auditDefaults ? `\t${runId}\t${now}\t${now}\t${now}` : '';
    const binary =
      options.copyFormat !== 'text' &&
      options.source.copyFormats.includes('binary') &&
      lineSuffix === '' &&
      state.binaryTarget &&
      columnsOf(options.sourceTable).every((c) => binaryWireType(c) !== undefined) &&
      dataColumns(options.targetTable).every((c) => writesBinary(c));
    // Rows rejected by earlier runs: read again by key (an incremental read; a full read
    // reads them anyway) and settled by what this run makes of them.
    const openKeys =
      options.sourceTable.primaryKey.length > 0 ? await openRejectKeys(target, targetName) : [];
    const fullRead = options.cursor === null || cursorFrom === null;
    const keysAsked = fullRead || !options.source.readsByKey ? [] : openKeys;
    processor = new RowProcessor({
      source: options.sourceTable,
      watchKeys: new Set(openKeys.map((key) => RowProcessor.keyOf(key))),
      target: options.targetTable,
      transform: options.transform,
      cursor: options.cursor,
      // Audit values per line only for an older table whose audit columns have no defaults.
      lineSuffix,
      maxStoredRejects: options.maxStoredRejects ?? 10_000,
      format: binary ? 'binary' : 'text',
      elementOids: state.elementOids,
    });

    const into = direct
      ? `${qualified(options.targetSchema, options.targetTable.name)} (${(state.auditDefaults
          ? dataColumns(options.targetTable).map((c) => ident(c.name))
          : targetColumnList(options.targetTable)
        ).join(', ')})`
      : `${STAGE} (${dataColumns(options.targetTable)
          .map((c) => ident(c.name))
          .join(', ')})`;
    if (!direct) await createStage(target, options.targetTable, options.targetSchema);
    const copied = await streamRows(options, processor, cursorFrom, into, binary, keysAsked);

    const counts = processor.counts;
    // Rows earlier runs rejected already, read again (at a shared cursor value, or by key) and
    // rejected again unchanged, are neither stored again nor counted against the limits: a
    // bad row at the saved cursor value must not fail every later run.
    const known = await knownRejects(target, runId, targetName, processor.rejects);
    const knownProcessor = processor;
    newRejects = processor.rejects.filter((_, i) => !known.has(i));
    const limits = { threshold: options.rejectThreshold, floor: options.rejectFloor };
    const over = rejectsOverLimit({ ...counts, rejectedBefore: known.size }, limits);
    if (over !== undefined) {
      const earlier =
        known.size === 0 ? '' : ` (and ${known.size} read again that earlier runs rejected)`;
      throw new RejectsError(
        `${targetName}: ${over.summary}${earlier}, more than ${describeRejectLimits(limits)}; nothing was written.`,
        {
          hint: `The rejected rows and their reasons are in _datakit.rejects (run_id ${runId}); fix the data or raise rejectThreshold (a fraction) or rejectFloor (rows).`,
        },
      );
    }
    if (state.auditAfterRows) {
      await target.query(addAuditColumnsSql(options.targetTable, options.targetSchema));
    }
    const written = direct ? copied : await mergeStage(options);
    if (state.deferredKey) {
      await target.query(addPrimaryKeySql(options.targetTable, options.targetSchema));
    }
    const cursorTo = processor.nextCursor(cursorFrom);
    if (options.cursor !== null && options.mode !== 'replace' && cursorTo !== null) {
      await saveCursor(target, {
        targetTable: targetName,
        sourceTable: sourceName,
        column: options.cursor,
        value: cursorTo,
        runId,
      });
    }
    await storeRejects(target, runId, targetName, newRejects);
    // An open reject read again unchanged stays open as it was (no newer reject holds it).
    const unchanged = new Set(
      [...known].flatMap((i) => {
        const key = knownProcessor.rejects[i]?.key;
        return key == null ? [] : [RowProcessor.keyOf(key)];
      }),
    );
    await resolveRejects(
      target,
      runId,
      targetName,
      settled(processor, fullRead ? openKeys : keysAsked, openKeys).filter(
        (s) => !unchanged.has(RowProcessor.keyOf(s.key)),
      ),
    );
    const result: TableLoadResult = {
      read: counts.read,
      written,
      rejected: counts.rejected,
      filtered: counts.filtered,
      // A replace saves no cursor (it reads everything every run): none is reported.
      cursor: options.cursor === null || options.mode === 'replace' ? null : cursorTo,
      format: binary ? 'binary' : 'text',
      ...(known.size === 0 ? {} : { rejectedBefore: known.size }),
    };
    const { rejectedBefore: _before, ...recorded } = result;
    await recordRunEnd(target, runId, targetName, {
      status: 'succeeded',
      ...recorded,
      cursorFrom,
      cursorTo: result.cursor,
    });
    await target.query('COMMIT');
    options.onProgress?.({ read: result.read, written: result.written });
    return result;
  } catch (error) {
    await target.query('ROLLBACK').catch(() => undefined);
    const failure = loadError(error, { table: targetName, side: 'target', source: sourceName });
    await recordFailure(options, targetName, processor, newRejects, cursorFrom, failure.message);
    throw failure;
  }
}

/** The session settings the codecs rely on. */
async function prepareSession(client: pg.Client): Promise<void> {
  await client.query(SESSION_SETTINGS);
}

/**
 * Creates the target schema when missing, committed before the load's transaction: inside it,
 * a second table loading into the same new schema at the same time would wait for the whole
 * first load and then fail on the schema's name. Serialized by an advisory lock.
 */
async function ensureSchema(client: pg.Client, schema: string): Promise<void> {
  // One simple query: its statements run in one implicit transaction, which holds the lock.
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtext(${literal(`datakit.schema:${schema}`)})); ` +
      `CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`,
  );
}

/** Takes the table's load lock for this transaction, or fails at once when another run has it. */
async function lockTable(target: pg.Client, targetName: string): Promise<void> {
  const result = await target.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
    [LOCK_NAMESPACE + targetName],
  );
  if (result.rows[0]?.locked !== true) {
    throw new EnvironmentError(`Another run is loading ${targetName} right now.`, {
      hint: 'Wait for it to finish (see _datakit.runs), then run again.',
    });
  }
}

interface TargetState {
  /** Whether rows are copied straight into the target (no staging and merge). */
  direct: boolean;
  /** The cursor the read resumes after, or null for a full read. */
  cursorFrom: string | null;
  /** Whether the target's audit columns fill themselves (tables this loader created). */
  auditDefaults: boolean;
  /**
   * Whether the table was created without its audit columns, added after the rows (see
   * addAuditColumnsSql): a table this load creates.
   */
  auditAfterRows: boolean;
  /** Whether the table was created without its primary key, added after the rows. */
  deferredKey: boolean;
  /** Whether the target's data columns have the types binary COPY data is written as. */
  binaryTarget: boolean;
  /** The element type OID of each array column of the target (the staging table's too). */
  elementOids: ReadonlyMap<string, number>;
}

interface LiveColumn {
  column_name: string;
  default: string | null;
  type: string;
  /** The element type's OID for an array column, else 0. */
  element_oid: number;
}

/** The live columns of a table (none when it does not exist). */
async function liveColumns(target: pg.Client, table: string): Promise<LiveColumn[]> {
  const result = await target.query<LiveColumn>(
    `SELECT a.attname AS column_name, pg_get_expr(d.adbin, d.adrelid) AS default,
            format_type(a.atttypid, NULL) AS type, t.typelem::int8 AS element_oid
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [table],
  );
  // typelem is also set for fixed-length types read as arrays (name, point): arrays only.
  return result.rows.map((r) => ({
    ...r,
    element_oid: r.type.endsWith('[]') ? Number(r.element_oid) : 0,
  }));
}

/**
 * `evolve`: adds the contract columns an existing target lacks, in a short transaction of its
 * own committed before the load's. `ADD COLUMN` takes an ACCESS EXCLUSIVE lock, which inside
 * the load's transaction would block every reader of the table for the whole load; here it is
 * held for the catalog change only. The table's load lock is taken first (another run loading
 * it fails this one at once, as in the load, instead of queueing the exclusive lock behind it
 * and every reader behind that); the enum types the new columns name are created first, as for
 * a new table; `IF NOT EXISTS`, so a run that adds nothing or races another changes nothing.
 * A new column is NOT NULL only when the table has no row that would violate it.
 */
async function evolveTarget(options: LoadTableOptions, targetName: string): Promise<void> {
  const { target, targetTable, targetSchema } = options;
  const table = qualified(targetSchema, targetTable.name);
  const have = new Set((await liveColumns(target, table)).map((r) => r.column_name));
  // A table the load creates gets every column; nothing missing, no lock taken.
  if (have.size === 0) return;
  const missing = columnsOf(targetTable).filter((column) => !have.has(column.name));
  if (missing.length === 0) return;
  await target.query('BEGIN');
  try {
    await lockTable(target, targetName);
    await target.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const empty = (await target.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount === 0;
    for (const statement of enumTypesSql(targetTable, targetSchema)) await target.query(statement);
    const added = missing.map(
      (column) =>
        `ADD COLUMN IF NOT EXISTS ${columnDefinition(column, {
          notNull: empty && !column.nullable,
          schema: targetSchema,
        })}`,
    );
    await target.query(`ALTER TABLE ${table} ${added.join(', ')}`);
    await target.query('COMMIT');
  } catch (error) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the target schema and table when missing,
 * deletes its rows for `replace` (readers keep the old rows until the commit), and decides the
 * write path and the cursor.
 */
async function prepareTarget(options: LoadTableOptions, targetName: string): Promise<TargetState> {
  const { target, targetTable, targetSchema } = options;
  const table = qualified(targetSchema, targetTable.name);
  await target.query(`CREATE SCHEMA IF NOT EXISTS ${ident(targetSchema)}`);
  let existing = await liveColumns(target, table);
  let empty: boolean;
  let auditDefaults = true;
  let deferredKey = false;
  let auditAfterRows = false;
  if (existing.length === 0) {
    // A table created here is loaded directly (it is empty): its key and its audit columns
    // come after the rows.
    deferredKey = targetTable.primaryKey.length > 0;
    auditAfterRows = targetTable.audited;
    await target.query(
      createTableSql(targetTable, targetSchema, { primaryKey: !deferredKey, audit: false }),
    );
    // Its live types (the enum types it got), for the binary check and arrays' element OIDs.
    existing = await liveColumns(target, table);
    empty = true;
  } else {
    auditDefaults = existing.some(
      (r) => r.column_name === '_run_id' && (r.default ?? '').includes(RUN_ID_SETTING),
    );
    // Readers keep reading; concurrent writers wait until this load commits. (Columns
    // `evolve` adds were added before, see evolveTarget.)
    await target.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
    empty = (await target.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount === 0;
  }
  const live = {
    binaryTarget: binaryTarget(targetTable, new Map(existing.map((r) => [r.column_name, r.type]))),
    elementOids: new Map(
      existing.filter((r) => r.element_oid !== 0).map((r) => [r.column_name, r.element_oid]),
    ),
  };
  if (options.mode === 'replace') {
    // DELETE, not TRUNCATE: TRUNCATE's exclusive lock would make every reader wait for the
    // whole load. Under MVCC, readers keep seeing the old rows until this transaction commits
    // the new ones, and the table keeps its grants, comments and dependent views. The price
    // is dead row versions for autovacuum, as any UPDATE of the whole table leaves.
    if (!empty) await target.query(`DELETE FROM ${table}`);
    await clearCursor(target, targetName);
  }
  if (options.mode === 'replace') {
    return {
      direct: true,
      cursorFrom: null,
      auditDefaults,
      auditAfterRows,
      deferredKey,
      ...live,
    };
  }
  const saved = options.cursor === null ? null : await readCursor(target, targetName);
  // An empty target with a saved cursor was emptied or recreated: read everything again.
  const cursorFrom = empty ? null : saved;
  // A dedup rule applies to the first load too: the source's own repeats go through the stage.
  const deduped = targetTable.primaryKey.length === 0 && (options.dedupOn ?? []).length > 0;
  return {
    direct: options.mode === 'append' || (empty && !deduped),
    cursorFrom,
    auditDefaults,
    auditAfterRows,
    deferredKey,
    ...live,
  };
}

/** Whether every data column of the target (live types as read) takes binary COPY data. */
function binaryTarget(table: AnyTable, liveTypes: ReadonlyMap<string, string>): boolean {
  return dataColumns(table).every((column) => {
    const live = liveTypes.get(column.name);
    return live !== undefined && acceptsBinary(column, live);
  });
}

/**
 * A temporary staging table for the data columns, dropped at commit, with the target's own
 * column types (an enum type wherever the target's is, a domain, a length), so the merge
 * moves values between columns of one type.
 */
async function createStage(target: pg.Client, table: AnyTable, schema: string): Promise<void> {
  const columns = dataColumns(table).map((c) => ident(c.name));
  await target.query(
    `CREATE TEMPORARY TABLE ${STAGE} ON COMMIT DROP AS SELECT ${columns.join(', ')} FROM ${qualified(schema, table.name)} WITH NO DATA`,
  );
}

/**
 * What became of the earlier rejects this load read (by key or in its range): each outcome,
 * and `not in source` for a key the read must have returned (asked for, or a full read) but
 * did not.
 */
function settled(
  processor: RowProcessor,
  mustHaveRead: readonly string[][],
  open: readonly string[][],
): { key: string[]; resolution: RejectResolution }[] {
  const asked = new Set(mustHaveRead.map((key) => RowProcessor.keyOf(key)));
  const out: { key: string[]; resolution: RejectResolution }[] = [];
  for (const key of open) {
    const id = RowProcessor.keyOf(key);
    const outcome = processor.outcomes.get(id);
    if (outcome !== undefined) out.push({ key, resolution: outcome });
    else if (asked.has(id)) out.push({ key, resolution: 'not in source' });
  }
  return out;
}

/** Streams the source through the processor into the target; returns the rows copied. */
async function streamRows(
  options: LoadTableOptions,
  processor: RowProcessor,
  cursorFrom: string | null,
  into: string,
  binary: boolean,
  keys: readonly string[][],
): Promise<number> {
  const { target } = options;
  const format = binary ? ' (FORMAT binary)' : '';
  const sink = target.query(copyFrom(`COPY ${into} FROM STDIN${format}`));
  let reported = 0;
  const progress = () => {
    if (processor.counts.read - reported >= options.batchSize) {
      reported = processor.counts.read;
      options.onProgress?.({ read: reported, written: processor.counts.accepted });
    }
  };
  const rows = await options.source.read({
    schema: options.sourceSchema,
    table: options.sourceTable,
    cursor:
      options.cursor === null
        ? null
        : {
            column: options.cursor,
            after: cursorFrom,
            // A shared value (a timestamp): rows committed later with the saved value are
            // read too; the merge writes nothing for the ones it already holds.
            inclusive: !cursorIsUnique(options.sourceTable, options.cursor),
          },
    ...(keys.length > 0 ? { keys: { columns: options.sourceTable.primaryKey, values: keys } } : {}),
    batchSize: options.batchSize,
    format: binary ? 'binary' : 'text',
  });
  if (rows.kind === 'fields') {
    await pipeline(processFields(rows.batches, processor, progress), sink);
  } else {
    const processed = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        try {
          processor.pushCopy(chunk);
        } catch (error) {
          done(error as Error);
          return;
        }
        progress();
        for (const piece of processor.take()) this.push(piece);
        done();
      },
      flush(done) {
        try {
          processor.endCopy();
        } catch (error) {
          done(error as Error);
          return;
        }
        for (const piece of processor.take()) this.push(piece);
        done();
      },
    });
    await pipeline(rows.stream, processed, sink);
  }
  return sink.rowCount;
}

/** Rows given as fields (canonical text per column), through the processor as COPY text. */
async function* processFields(
  batches: AsyncIterable<readonly (readonly (string | null)[])[]>,
  processor: RowProcessor,
  progress: () => void,
): AsyncGenerator<Buffer | string> {
  for await (const batch of batches) {
    for (const row of batch) processor.push(row);
    progress();
    yield* processor.take();
  }
}

/**
 * Merges the staged rows into the target on its primary key (see {@link keyedMergeSql}): rows
 * whose data columns are unchanged are not touched; a changed row gets the new run id,
 * `_loaded_at` and `_updated_at` and keeps `_created_at`. `MERGE` where the server has it
 * (PostgreSQL 15) and takes the table, else `INSERT … ON CONFLICT`. Returns the rows inserted
 * or changed.
 */
async function mergeStage(options: LoadTableOptions): Promise<number> {
  const { target, targetTable } = options;
  if (targetTable.primaryKey.length === 0) return mergeDeduped(options, options.dedupOn ?? []);
  const version = await target.query<{ server_version_num: string }>('SHOW server_version_num');
  const statement = mergeStatementFor(Number(version.rows[0]?.server_version_num ?? 0));
  const sql = (chosen: MergeStatement) =>
    keyedMergeSql({
      table: targetTable,
      schema: options.targetSchema,
      runId: options.runId,
      statement: chosen,
    });
  // A savepoint, so that a source repeating a key can be named from the stage afterwards,
  // and MERGE's refusal undone.
  await target.query('SAVEPOINT datakit_merge');
  try {
    return await runKeyedMerge(options, sql(statement));
  } catch (error) {
    // 0A000: MERGE refuses a table it cannot merge into (one with rules); the upsert writes
    // the same rows there.
    if (statement !== 'merge' || (error as { code?: string }).code !== '0A000') throw error;
    await target.query('ROLLBACK TO SAVEPOINT datakit_merge');
    return runKeyedMerge(options, sql('upsert'));
  }
}

/**
 * Runs a keyed merge statement after the `datakit_merge` savepoint; returns its row count. A
 * key the stage repeats fails naming the key: 21000 ("… command cannot affect row a second
 * time"), or 23505 (a unique violation), which MERGE gives for a new key staged twice. A 23505
 * of another unique index of the target, with no key repeated, stays PostgreSQL's error.
 */
async function runKeyedMerge(options: LoadTableOptions, sql: string): Promise<number> {
  try {
    return (await options.target.query(sql)).rowCount ?? 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '21000' && code !== '23505') throw error;
    await options.target.query('ROLLBACK TO SAVEPOINT datakit_merge');
    throw (await repeatedKeyError(options, [...options.targetTable.primaryKey])) ?? error;
  }
}

/**
 * Merges the staged rows into a keyless target on its dedup rule's columns: one staged row per
 * distinct value of those columns (the last read), a target row with that value updated when
 * its other data columns differ, and inserted when there is none. Values are told apart as the
 * change check compares them (json, floats, intervals and the like by their text; NULLs equal),
 * and matched by a hashable condition so neither side is scanned per row. Returns the rows
 * inserted or changed. (The load holds the table's lock: no one else writes it meanwhile.)
 */
async function mergeDeduped(
  options: LoadTableOptions,
  dedupOn: readonly string[],
): Promise<number> {
  const { target, targetTable, runId } = options;
  const table = qualified(options.targetSchema, targetTable.name);
  const columns = dataColumns(targetTable);
  const on = new Set(dedupOn);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const dedup = dedupOn.map((name) => byName.get(name) as ColumnMeta & { name: string });
  // Plain equality where it is exact (no NULLs, an equality operator); else the row's text.
  const plain = dedup.every((c) => !c.nullable && !comparesAsText(c));
  const tuple = (prefix: string): string =>
    plain
      ? `(${dedup.map((c) => comparedValue(prefix, c)).join(', ')})`
      : `ROW(${dedup.map((c) => comparedValue(prefix, c)).join(', ')})::text`;
  const match = `${tuple('t')} = ${tuple('s')}`;
  const DEDUP = ident('_datakit_dedup');
  await target.query(
    `CREATE TEMPORARY TABLE ${DEDUP} ON COMMIT DROP AS
       SELECT DISTINCT ON (${dedup.map((c) => comparedValue('s', c)).join(', ')}) s.*
         FROM ${STAGE} s ORDER BY ${dedup.map((c) => comparedValue('s', c)).join(', ')}, s.ctid DESC`,
  );
  const audited = targetTable.audited;
  const run = `${literal(runId)}::uuid`;
  let written = 0;
  const others = columns.filter((c) => !on.has(c.name));
  if (others.length > 0) {
    const set = others.map((c) => `${ident(c.name)} = s.${ident(c.name)}`);
    if (audited) set.push(`"_run_id" = ${run}`, '"_loaded_at" = now()', '"_updated_at" = now()');
    const changed = `(${others.map((c) => comparedValue('t', c)).join(', ')}) IS DISTINCT FROM (${others.map((c) => comparedValue('s', c)).join(', ')})`;
    const updated = await target.query(
      `UPDATE ${table} AS t SET ${set.join(', ')} FROM ${DEDUP} s WHERE ${match} AND ${changed}`,
    );
    written += updated.rowCount ?? 0;
  }
  const names = targetColumnList(targetTable);
  const values = columns.map((c) => `s.${ident(c.name)}`);
  if (audited) values.push(run, 'now()', 'now()', 'now()');
  const inserted = await target.query(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${values.join(', ')} FROM ${DEDUP} s
      WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${match})`,
  );
  return written + (inserted.rowCount ?? 0);
}

/**
 * The error naming the keys a merge's source rows repeat (the first three, and how often), or
 * undefined when no key repeats in the stage.
 */
async function repeatedKeyError(
  options: LoadTableOptions,
  key: string[],
): Promise<DatakitError | undefined> {
  const cols = key.map(ident);
  const repeated = await options.target.query<{ key: string; n: string }>(
    `SELECT concat_ws(', ', ${cols.map((c) => `${c}::text`).join(', ')}) AS key, count(*) AS n
       FROM ${STAGE} GROUP BY ${cols.join(', ')} HAVING count(*) > 1 ORDER BY 1 LIMIT 3`,
  );
  if (repeated.rows.length === 0) return undefined;
  const target = `${options.targetSchema}.${options.targetTable.name}`;
  const source = `${options.sourceSchema}.${options.sourceTable.sourceName}`;
  const keys = repeated.rows.map((r) => `(${key.join(', ')})=(${r.key}) in ${r.n} rows`);
  return new DatakitError(
    `Loading ${target} from ${source} failed: the rows read repeat a primary key: ${keys.join('; ')}. Nothing was committed.`,
    {
      hint: "The contract's key is not unique in the source (a view or a table without that key): fix the source, or declare the key the source really has.",
    },
  );
}

/** After a failed load: the run row says why, and the rejected rows are kept. */
async function recordFailure(
  options: LoadTableOptions,
  targetName: string,
  processor: RowProcessor | undefined,
  rejects: readonly StoredReject[] | undefined,
  cursorFrom: string | null,
  message: string,
): Promise<void> {
  try {
    await options.target.query('BEGIN');
    await recordRunEnd(options.target, options.runId, targetName, {
      status: 'failed',
      read: processor?.counts.read ?? 0,
      written: 0,
      rejected: processor?.counts.rejected ?? 0,
      filtered: processor?.counts.filtered ?? 0,
      cursorFrom,
      cursorTo: cursorFrom,
      error: message,
    });
    const toStore = rejects ?? processor?.rejects;
    if (toStore !== undefined) {
      await storeRejects(options.target, options.runId, targetName, toStore);
    }
    await options.target.query('COMMIT');
  } catch {
    // The target is gone (that may be why the load failed): the run row stays `running`
    // and the next load of this table marks it abandoned.
    await options.target.query('ROLLBACK').catch(() => undefined);
  }
}
