import type pg from 'pg';

import type {
  RecentRunsQuery,
  RejectRecord,
  RejectResolution,
  RejectsQuery,
  RunRecord,
  StoppedRun,
} from '../../adapter.ts';
import { ident } from './sql.ts';

/** The warehouse schema holding the loader's own tables. */
export const BOOKKEEPING_SCHEMA = '_datakit';

const S = ident(BOOKKEEPING_SCHEMA);

/**
 * The bookkeeping tables, created when missing:
 * - `runs`: one row per run and target table (started, finished, status, counts, contract hash);
 * - `cursors`: per target table, the source cursor value the next run resumes after,
 *   written in the same transaction as the rows it covers;
 * - `rejects`: rows that failed a contract, with the stage, the reason, the row as read and
 *   its source key; open until a later run reads the row again by that key (`resolved_at`,
 *   `resolution`) or someone acknowledges it (`acknowledged_at`).
 */
const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${S}`,
  `CREATE TABLE IF NOT EXISTS ${S}.runs (
    run_id uuid NOT NULL,
    target_table text NOT NULL,
    datakit text NOT NULL,
    source_table text NOT NULL,
    mode text NOT NULL,
    contract_hash text NOT NULL,
    status text NOT NULL CONSTRAINT runs_status_check
      CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned', 'drift')),
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    rows_read bigint NOT NULL DEFAULT 0,
    rows_written bigint NOT NULL DEFAULT 0,
    rows_rejected bigint NOT NULL DEFAULT 0,
    rows_filtered bigint NOT NULL DEFAULT 0,
    cursor_from text,
    cursor_to text,
    error text,
    PRIMARY KEY (run_id, target_table)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.cursors (
    target_table text PRIMARY KEY,
    source_table text NOT NULL,
    cursor_column text NOT NULL,
    cursor_value text NOT NULL,
    run_id uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.rejects (
    run_id uuid NOT NULL,
    target_table text NOT NULL,
    stage text NOT NULL CHECK (stage IN ('source', 'target')),
    reason text NOT NULL,
    row_data jsonb NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  `CREATE INDEX IF NOT EXISTS rejects_run ON ${S}.rejects (run_id, target_table)`,
  // When someone acknowledged the rejected row (`datakit rejects ack`); null: not yet.
  // (Checked first: ALTER TABLE would lock the table on every load even when nothing changes.)
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${BOOKKEEPING_SCHEMA}.rejects'::regclass
                     AND attname = 'acknowledged_at' AND NOT attisdropped) THEN
       ALTER TABLE ${S}.rejects ADD COLUMN acknowledged_at timestamptz;
     END IF;
   END $$`,
  // The source key of a rejected row (a JSON array of its key values' canonical text; null
  // for a keyless table), and how a later run that read the row again by that key settled it.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${BOOKKEEPING_SCHEMA}.rejects'::regclass
                     AND attname = 'source_key' AND NOT attisdropped) THEN
       ALTER TABLE ${S}.rejects ADD COLUMN source_key jsonb, ADD COLUMN resolved_at timestamptz,
         ADD COLUMN resolved_run_id uuid, ADD COLUMN resolution text;
       CREATE INDEX rejects_open ON ${S}.rejects (target_table)
         WHERE acknowledged_at IS NULL AND resolved_at IS NULL;
     END IF;
   END $$`,
  // Bookkeeping made before runs stopped by drift were recorded lacks the status 'drift'.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = '${BOOKKEEPING_SCHEMA}.runs'::regclass
                     AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%drift%') THEN
       ALTER TABLE ${S}.runs DROP CONSTRAINT IF EXISTS runs_status_check;
       ALTER TABLE ${S}.runs ADD CONSTRAINT runs_status_check
         CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned', 'drift'));
     END IF;
   END $$`,
];

/** A fixed advisory lock key serialising the bookkeeping DDL between concurrent runs. */
const DDL_LOCK = 0x64_61_74_61; // "data"

/** Creates the bookkeeping schema and tables if they are missing (one transaction, locked). */
export async function ensureBookkeeping(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
    for (const statement of DDL) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** What a run row starts with. */
export interface RunStart {
  runId: string;
  targetTable: string;
  datakit: string;
  sourceTable: string;
  mode: string;
  contractHash: string;
}

/** Records a started run (committed at once, so a killed run leaves a trace). */
export async function recordRunStart(client: pg.Client, run: RunStart): Promise<void> {
  await client.query(
    `INSERT INTO ${S}.runs (run_id, target_table, datakit, source_table, mode, contract_hash, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'running')`,
    [run.runId, run.targetTable, run.datakit, run.sourceTable, run.mode, run.contractHash],
  );
}

/** Records a run stopped before any load (drift): one finished row per table, with the reason. */
export async function recordStoppedRun(client: pg.Client, stop: StoppedRun): Promise<void> {
  await ensureBookkeeping(client);
  await client.query(
    `INSERT INTO ${S}.runs (run_id, target_table, datakit, source_table, mode, contract_hash,
       status, finished_at, error)
     SELECT $1, t, $2, s, m, $3, $4, clock_timestamp(), $5
       FROM unnest($6::text[], $7::text[], $8::text[]) AS x(t, s, m)`,
    [
      stop.runId,
      stop.datakit,
      stop.contractHash,
      stop.status,
      stop.error,
      stop.tables.map((t) => t.targetTable),
      stop.tables.map((t) => t.sourceTable),
      stop.tables.map((t) => t.mode),
    ],
  );
}

/** The latest runs of each target table, newest first per table; none without bookkeeping. */
export async function recentRuns(client: pg.Client, query: RecentRunsQuery): Promise<RunRecord[]> {
  const exists = await client.query<{ runs: string | null }>(
    `SELECT to_regclass('${BOOKKEEPING_SCHEMA}.runs')::text AS runs`,
  );
  if (exists.rows[0]?.runs == null) return [];
  const result = await client.query<Record<string, string | null>>(
    `SELECT run_id::text, datakit, target_table, source_table, mode, contract_hash, status,
            to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS finished_at,
            rows_read::text, rows_written::text, rows_rejected::text, rows_filtered::text,
            cursor_from, cursor_to, error
       FROM (SELECT r.*, row_number() OVER (PARTITION BY target_table ORDER BY started_at DESC) AS n
               FROM ${S}.runs r WHERE $1::text IS NULL OR datakit = $1) latest
      WHERE n <= $2
      ORDER BY target_table, started_at DESC`,
    [query.datakit ?? null, query.perTable],
  );
  return result.rows.map((r) => ({
    runId: r['run_id']!,
    datakit: r['datakit']!,
    targetTable: r['target_table']!,
    sourceTable: r['source_table']!,
    mode: r['mode']!,
    contractHash: r['contract_hash']!,
    status: r['status'] as RunRecord['status'],
    startedAt: r['started_at']!,
    finishedAt: r['finished_at'] ?? null,
    read: Number(r['rows_read']),
    written: Number(r['rows_written']),
    rejected: Number(r['rows_rejected']),
    filtered: Number(r['rows_filtered']),
    cursorFrom: r['cursor_from'] ?? null,
    cursorTo: r['cursor_to'] ?? null,
    error: r['error'] ?? null,
  }));
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** Rejected rows, newest first; none without bookkeeping. */
export async function listRejects(client: pg.Client, query: RejectsQuery): Promise<RejectRecord[]> {
  if (!(await hasBookkeeping(client))) return [];
  await ensureBookkeeping(client);
  const result = await client.query<Record<string, unknown>>(
    `SELECT j.run_id::text, r.datakit, j.target_table, j.stage, j.reason, j.row_data,
            j.source_key, j.resolution,
            to_char(j.rejected_at AT TIME ZONE 'UTC', ${ISO}) AS rejected_at,
            to_char(j.acknowledged_at AT TIME ZONE 'UTC', ${ISO}) AS acknowledged_at,
            to_char(j.resolved_at AT TIME ZONE 'UTC', ${ISO}) AS resolved_at
       FROM ${S}.rejects j
       LEFT JOIN ${S}.runs r ON r.run_id = j.run_id AND r.target_table = j.target_table
      WHERE ($1::text IS NULL OR r.datakit = $1) AND ($2::text IS NULL OR j.target_table = $2)
        AND ($3 OR (j.acknowledged_at IS NULL AND j.resolved_at IS NULL))
      ORDER BY j.rejected_at DESC, j.target_table
      LIMIT $4`,
    [
      query.datakit ?? null,
      query.targetTable ?? null,
      query.includeAcknowledged === true,
      query.limit,
    ],
  );
  return result.rows.map((r) => ({
    runId: r['run_id'] as string,
    datakit: (r['datakit'] as string | null) ?? null,
    targetTable: r['target_table'] as string,
    stage: r['stage'] as RejectRecord['stage'],
    reason: r['reason'] as string,
    row: r['row_data'],
    key: (r['source_key'] as string[] | null) ?? null,
    rejectedAt: r['rejected_at'] as string,
    acknowledgedAt: (r['acknowledged_at'] as string | null) ?? null,
    resolution: (r['resolution'] as RejectResolution | null) ?? null,
    resolvedAt: (r['resolved_at'] as string | null) ?? null,
  }));
}

/** Marks a table's unacknowledged rejects (of one run, or all) acknowledged; how many. */
export async function acknowledgeRejects(
  client: pg.Client,
  target: { targetTable: string; runId?: string },
): Promise<number> {
  if (!(await hasBookkeeping(client))) return 0;
  await ensureBookkeeping(client);
  const result = await client.query(
    `UPDATE ${S}.rejects SET acknowledged_at = clock_timestamp()
      WHERE target_table = $1 AND ($2::uuid IS NULL OR run_id = $2::uuid)
        AND acknowledged_at IS NULL AND resolved_at IS NULL`,
    [target.targetTable, target.runId ?? null],
  );
  return result.rowCount ?? 0;
}

/**
 * Opens a table's rejects again (of one run, or all), acknowledged and resolved ones too, so
 * the next run reads their rows again by key; how many were opened, and how many of those
 * have no key.
 */
export async function retryRejects(
  client: pg.Client,
  target: { targetTable: string; runId?: string },
): Promise<{ opened: number; keyless: number }> {
  if (!(await hasBookkeeping(client))) return { opened: 0, keyless: 0 };
  await ensureBookkeeping(client);
  // Only the newest reject of each key: older ones were settled by a later run.
  const result = await client.query<{ opened: string; keyless: string }>(
    `WITH newest AS (
       SELECT DISTINCT ON (coalesce(source_key::text, ctid::text)) ctid AS id
         FROM ${S}.rejects
        WHERE target_table = $1 AND ($2::uuid IS NULL OR run_id = $2::uuid)
        ORDER BY coalesce(source_key::text, ctid::text), rejected_at DESC
     ), opened AS (
       UPDATE ${S}.rejects j SET acknowledged_at = NULL, resolved_at = NULL,
              resolved_run_id = NULL, resolution = NULL
         FROM newest WHERE j.ctid = newest.id
       RETURNING j.source_key
     )
     SELECT count(*)::text AS opened, count(*) FILTER (WHERE source_key IS NULL)::text AS keyless
       FROM opened`,
    [target.targetTable, target.runId ?? null],
  );
  const row = result.rows[0];
  return { opened: Number(row?.opened ?? 0), keyless: Number(row?.keyless ?? 0) };
}

/** At most this many open rejected rows of a table are read again by key per run. */
export const MAX_KEYS_READ_AGAIN = 10_000;

/**
 * The keys of a table's open rejected rows (not acknowledged, not settled by a later run),
 * oldest first, at most {@link MAX_KEYS_READ_AGAIN}. Each key once.
 */
export async function openRejectKeys(client: pg.Client, targetTable: string): Promise<string[][]> {
  const result = await client.query<{ key: string[] }>(
    `SELECT key FROM (
       SELECT source_key AS key, min(rejected_at) AS first FROM ${S}.rejects
        WHERE target_table = $1 AND source_key IS NOT NULL
          AND acknowledged_at IS NULL AND resolved_at IS NULL
        GROUP BY source_key) k
      ORDER BY first LIMIT ${MAX_KEYS_READ_AGAIN}`,
    [targetTable],
  );
  return result.rows.map((r) => r.key);
}

/**
 * Settles the open rejects of earlier runs whose rows this run read again by key (inside the
 * load's transaction): each key's outcome, `not in source` for a key the read did not return.
 */
export async function resolveRejects(
  client: pg.Client,
  runId: string,
  targetTable: string,
  outcomes: readonly { key: readonly string[]; resolution: RejectResolution }[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await client.query(
    `UPDATE ${S}.rejects j SET resolved_at = clock_timestamp(), resolved_run_id = $2,
            resolution = x.r
       FROM unnest($3::text[], $4::text[]) AS x(k, r)
      WHERE j.target_table = $1 AND j.run_id <> $2 AND j.source_key = x.k::jsonb
        AND j.acknowledged_at IS NULL AND j.resolved_at IS NULL`,
    [
      targetTable,
      runId,
      outcomes.map((o) => JSON.stringify(o.key)),
      outcomes.map((o) => o.resolution),
    ],
  );
}

/** Whether the warehouse has the bookkeeping tables (a reader must not create them). */
async function hasBookkeeping(client: pg.Client): Promise<boolean> {
  const exists = await client.query<{ rejects: string | null }>(
    `SELECT to_regclass('${BOOKKEEPING_SCHEMA}.rejects')::text AS rejects`,
  );
  return exists.rows[0]?.rejects != null;
}

/** How a run ended. */
export interface RunEnd {
  status: 'succeeded' | 'failed';
  read: number;
  written: number;
  rejected: number;
  filtered: number;
  cursorFrom: string | null;
  cursorTo: string | null;
  error?: string;
}

/** Records the end of a run (inside the load's transaction on success). */
export async function recordRunEnd(
  client: pg.Client,
  runId: string,
  targetTable: string,
  end: RunEnd,
): Promise<void> {
  await client.query(
    `UPDATE ${S}.runs SET status = $3, finished_at = clock_timestamp(), rows_read = $4,
       rows_written = $5, rows_rejected = $6, rows_filtered = $7, cursor_from = $8,
       cursor_to = $9, error = $10
     WHERE run_id = $1 AND target_table = $2`,
    [
      runId,
      targetTable,
      end.status,
      end.read,
      end.written,
      end.rejected,
      end.filtered,
      end.cursorFrom,
      end.cursorTo,
      end.error ?? null,
    ],
  );
}

/**
 * Marks earlier runs of the table that are still `running` as `abandoned`. Called while this
 * run holds the table's load lock, so none of them can still be running.
 */
export async function markAbandoned(
  client: pg.Client,
  runId: string,
  targetTable: string,
): Promise<void> {
  await client.query(
    `UPDATE ${S}.runs SET status = 'abandoned', finished_at = clock_timestamp(),
       error = 'the run ended without finishing (killed or disconnected); nothing it read was committed'
     WHERE target_table = $2 AND status = 'running' AND run_id <> $1`,
    [runId, targetTable],
  );
}

/** The cursor value the table's next load resumes after, or null. Locks the row. */
export async function readCursor(client: pg.Client, targetTable: string): Promise<string | null> {
  const result = await client.query<{ cursor_value: string }>(
    `SELECT cursor_value FROM ${S}.cursors WHERE target_table = $1 FOR UPDATE`,
    [targetTable],
  );
  return result.rows[0]?.cursor_value ?? null;
}

/** Saves the cursor (inside the load's transaction, with the rows it covers). */
export async function saveCursor(
  client: pg.Client,
  cursor: {
    targetTable: string;
    sourceTable: string;
    column: string;
    value: string;
    runId: string;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO ${S}.cursors (target_table, source_table, cursor_column, cursor_value, run_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (target_table) DO UPDATE SET source_table = EXCLUDED.source_table,
       cursor_column = EXCLUDED.cursor_column, cursor_value = EXCLUDED.cursor_value,
       run_id = EXCLUDED.run_id, updated_at = clock_timestamp()`,
    [cursor.targetTable, cursor.sourceTable, cursor.column, cursor.value, cursor.runId],
  );
}

/** Removes a table's cursor (a replace load, or a target that was emptied). */
export async function clearCursor(client: pg.Client, targetTable: string): Promise<void> {
  await client.query(`DELETE FROM ${S}.cursors WHERE target_table = $1`, [targetTable]);
}

/** A rejected row as stored. */
export interface StoredReject {
  stage: 'source' | 'target';
  reason: string;
  /** The row as JSON (see rowJson): made when the row is rejected, so it holds no input. */
  rowData: string;
  /** The source key values (canonical text), or null for a keyless table. */
  key: string[] | null;
}

/**
 * Which of a run's rejected rows earlier runs of the table rejected already, the very same row
 * (by its stored JSON): a row read again, at a cursor value shared with rows after it or by
 * its key, is no new fact. Their indexes in `rejects`.
 */
export async function knownRejects(
  client: pg.Client,
  runId: string,
  targetTable: string,
  rejects: readonly StoredReject[],
): Promise<Set<number>> {
  if (rejects.length === 0) return new Set();
  const result = await client.query<{ i: string }>(
    `SELECT x.i::text AS i FROM unnest($3::text[]) WITH ORDINALITY AS x(d, i)
      WHERE EXISTS (SELECT 1 FROM ${S}.rejects j
                     WHERE j.target_table = $1 AND j.run_id <> $2 AND j.row_data = x.d::jsonb)`,
    [targetTable, runId, rejects.map((r) => r.rowData)],
  );
  return new Set(result.rows.map((r) => Number(r.i) - 1));
}

/** Stores rejected rows, a few thousand per statement. */
export async function storeRejects(
  client: pg.Client,
  runId: string,
  targetTable: string,
  rejects: readonly StoredReject[],
): Promise<void> {
  const CHUNK = 5000;
  for (let i = 0; i < rejects.length; i += CHUNK) {
    const chunk = rejects.slice(i, i + CHUNK);
    await client.query(
      `INSERT INTO ${S}.rejects (run_id, target_table, stage, reason, row_data, source_key)
       SELECT $1, $2, s, r, d::jsonb, k::jsonb
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS x(s, r, d, k)`,
      [
        runId,
        targetTable,
        chunk.map((r) => r.stage),
        chunk.map((r) => r.reason),
        chunk.map((r) => r.rowData),
        chunk.map((r) => (r.key === null ? null : JSON.stringify(r.key))),
      ],
    );
  }
}

/** JSON for a row of any shape: bigints as strings, buffers as hex, NUL characters removed. */
export function rowJson(row: unknown): string {
  return (
    JSON.stringify(row, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'string') return value.replaceAll('\u0000', '');
      if (
        value !== null &&
        typeof value === 'object' &&
        (value as { type?: unknown }).type === 'Buffer' &&
        Array.isArray((value as { data?: unknown }).data)
      ) {
        return `\\x${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
      }
      return value;
    }) ?? 'null'
  );
}
