import type { Readable } from 'node:stream';

import type { AnyTable, AnyTransform } from '@datakit/contracts';
import type { LiveSchema } from '@datakit/drift';
import type { Connection } from '@datakit/warehouse';
import type { WriteMode } from '@datakit/contracts';

/** Which side of the datakit a connection is. */
export type ConnectionRole = 'source' | 'target';

/** The kinds of database a connection can name (`kind:` in warehouse.yaml). */
export type DatabaseKind = Connection['kind'];

/** A connection of one kind, as warehouse.yaml describes it. */
export type ConnectionOf<TKind extends DatabaseKind> = Extract<Connection, { kind: TKind }>;

/**
 * What the drift check needs to know of a database's SQL: how a type the contract states
 * (`ColumnMeta.sqlType`) or the catalog reports is spelled canonically, so the two compare.
 */
export interface Dialect {
  readonly kind: DatabaseKind;
  /** The canonical spelling of a SQL type of this database, e.g. `varchar(45)` for `character varying(45)`. */
  normalizeType(sqlType: string): string;
}

/** An open session on one database, of either role. */
export interface DatabaseSession {
  readonly role: ConnectionRole;
  /** The connection settings as configured (secret references, never values). */
  readonly connection: Connection;
  /** E.g. `source database pagila at 127.0.0.1:5432 as pagila_reader`; never a secret. */
  readonly label: string;
  readonly dialect: Dialect;
  /**
   * The live definition of the named tables (or views) of one schema, for the drift check;
   * tables that do not exist are absent from the result.
   */
  readCatalog(schema: string, tables: readonly string[]): Promise<LiveSchema>;
  /** Ends the session; never throws. */
  close(): Promise<void>;
}

/** The COPY format rows cross in. */
export type CopyFormat = 'text' | 'binary';

/** What a load asks a source for. */
export interface ReadRequest {
  /** Live schema of the table. */
  schema: string;
  /** The source contract: its name and each column's `sourceName` are what is read. */
  table: AnyTable;
  /**
   * The contract column the read resumes after and the saved value (as the loader stored it,
   * text), or null for a full read. `after: null` also reads everything. `inclusive` reads
   * from the saved value on (`>=`) instead of after it (`>`): a cursor several rows can share
   * (a timestamp) is read so, so that a row committed later with the saved value is not
   * missed; the rows at that value are read again (a merge writes nothing for them).
   */
  cursor: { column: string; after: string | null; inclusive?: boolean } | null;
  /**
   * Rows read again by their key whatever the cursor (rejected rows of earlier runs that
   * nobody acknowledged, see {@link SourceSession.readsByKey}): the source contract's key
   * columns and each row's key values as canonical text. Only with a cursor that has a saved
   * value (a full read reads them anyway); each row is read once.
   */
  keys?: { columns: readonly string[]; values: readonly (readonly string[])[] };
  /** Rows per round trip, where the source reads in batches. */
  batchSize: number;
  /**
   * The COPY format the loader would like the rows in when the source can give COPY data
   * (see {@link SourceSession.copyFormats}); sources that cannot give it return fields.
   */
  format: CopyFormat;
}

/**
 * Rows as a source hands them to the loader, in one of two shapes:
 *
 * - `copy`: PostgreSQL COPY data (text or binary), the fast path of a PostgreSQL source;
 *   columns in the contract's order.
 * - `fields`: batches of rows, each an array with one entry per contract column in the
 *   contract's order, `null` for SQL NULL, otherwise the value's **canonical text**: the text
 *   the contract kind's codec decodes (PostgreSQL's text output with DateStyle ISO, TimeZone
 *   UTC and bytea hex): integers in decimal, `t`/`f` for booleans, numeric as an exact decimal
 *   string, `YYYY-MM-DD` dates, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` (timestamptz with
 *   `+00` or another offset), bytea as `\x` and lower-case hex, uuids as 36 characters,
 *   jsonb as JSON text. A source converts its own values to this text (exactly, never through
 *   a float) in its `read.ts`/`types.ts`; a value it cannot express exactly is passed on as a
 *   text the codec refuses, so the row is rejected with a reason instead of changed silently.
 */
export type SourceRows =
  | { kind: 'copy'; format: CopyFormat; stream: Readable }
  | { kind: 'fields'; batches: AsyncIterable<readonly (readonly (string | null)[])[]> };

/** A session a datakit reads from. */
export interface SourceSession extends DatabaseSession {
  /** The COPY formats `read` can give as COPY data; empty when it gives fields only. */
  readonly copyFormats: readonly CopyFormat[];
  /**
   * Whether `read` honours {@link ReadRequest.keys}: rejected rows are then read again on
   * later incremental runs by their key until they load or someone acknowledges them.
   */
  readonly readsByKey: boolean;
  /**
   * Streams the rows of one table after the saved cursor, with backpressure: memory stays flat
   * in the row count. Driver failures come out of the stream or the iterator as platform
   * errors (see the folder's `errors.ts`).
   */
  read(request: ReadRequest): Promise<SourceRows>;
}

/** Opens sessions on one kind of database. */
export interface SourceAdapter<TKind extends DatabaseKind = DatabaseKind> {
  readonly kind: TKind;
  readonly dialect: Dialect;
  /**
   * Reads the credentials the connection references (files, env; a Kerberos connection uses the
   * ticket cache `KRB5CCNAME` names) and opens a session. Every failure is one platform error
   * naming side, host, port, database and user, never a secret: unreachable, login refused,
   * database missing, no ticket are `EnvironmentError` (exit 5); settings this adapter cannot
   * honour are `ConfigError` (exit 2).
   */
  open(role: ConnectionRole, connection: ConnectionOf<TKind>): Promise<SourceSession>;
}

/** How rows reach the target table (the rule of which a table may use is in @datakit/contracts). */
export type { WriteMode };

/** The format a load asks for: binary where every column allows it, or always text. */
export type CopyFormatChoice = 'auto' | 'text';

/** What to do with contract columns a live target lacks (see @datakit/drift's policies). */
export type ExtraColumnsPolicy = 'evolve' | 'freeze' | 'discard';

/** One table load: what any target adapter is asked. */
export interface TableLoad {
  /** The run's id: on every written row (`_run_id`) and in the bookkeeping tables. */
  runId: string;
  /** The datakit's name, for the runs table. */
  datakit: string;
  /** A connected source session, of any database kind (see @datakit/databases' adapters). */
  source: SourceSession;
  sourceTable: AnyTable;
  targetTable: AnyTable;
  transform: AnyTransform;
  /** Live schema the source table is read from. */
  sourceSchema: string;
  /** Live schema the target table is written to (created when missing). */
  targetSchema: string;
  /**
   * Source contract column the load resumes after; null reads the whole table. A cursor that
   * is not unique (see `cursorIsUnique` in @datakit/contracts) is read from its saved value on
   * (`>=`) by a merge; an append refuses it.
   */
  cursor: string | null;
  /**
   * A keyless target's dedup rule: the target data columns a merge upserts on (one row per
   * distinct value). Empty or absent: none; a keyless target then cannot be merged.
   */
  dedupOn?: readonly string[];
  mode: WriteMode;
  /** Rows between progress reports. */
  batchSize: number;
  /** Fraction of the rows read that may be rejected before the load fails (0 to 1). */
  rejectThreshold: number;
  /** Rejected rows always tolerated, whatever the fraction (default 0). */
  rejectFloor?: number;
  /** `evolve` adds contract columns a live target lacks; otherwise they are left to drift. */
  extraColumns: ExtraColumnsPolicy;
  /** Contract hash of the datakit, for the runs table. */
  contractHash: string;
  /** At most this many rejected rows are stored per table and run (default 10,000). */
  maxStoredRejects?: number;
  /**
   * The COPY format of the read (when the source gives COPY data) and of the write: `auto`
   * (the default) takes binary when the source can give binary COPY data, every source and
   * target column is of a kind binary-copy.ts supports and the target's columns have those
   * types (PostgreSQL then neither prints nor parses the values); `text` always takes text.
   */
  copyFormat?: CopyFormatChoice;
  /** Called every `batchSize` rows and at the end. */
  onProgress?(counts: { read: number; written: number }): void;
}

/** What one table load did. */
export interface TableLoadResult {
  read: number;
  /** Rows inserted or changed in the target. */
  written: number;
  rejected: number;
  filtered: number;
  /** The cursor value the next run resumes after; null when the table has no cursor. */
  cursor: string | null;
  /** The COPY format the rows crossed in (`text` also for a server-side cursor read). */
  format: CopyFormat;
  /**
   * Of `read` and `rejected`, the rows read again that earlier runs rejected already, unchanged:
   * kept open as they were, not stored again and not counted against the reject limits.
   */
  rejectedBefore?: number;
}

/** A session a datakit writes to: the warehouse. */
export interface TargetSession extends DatabaseSession {
  /**
   * Loads one table, streaming from the source session into the target, validating against
   * both contracts and transforming on the way; the rows, the cursor and the run's
   * bookkeeping commit together. Throws platform errors only.
   */
  loadTable(load: TableLoad): Promise<TableLoadResult>;
  /**
   * Records a run that stopped before loading anything (schema drift), one row per table in
   * the bookkeeping, so the warehouse's history shows it with its reason.
   */
  recordStoppedRun(stop: StoppedRun): Promise<void>;
  /**
   * The latest runs of each target table from the bookkeeping, newest first per table (none
   * when the warehouse has no bookkeeping yet).
   */
  recentRuns(query: RecentRunsQuery): Promise<RunRecord[]>;
  /** Rejected rows from the bookkeeping, newest first (none without bookkeeping). */
  listRejects(query: RejectsQuery): Promise<RejectRecord[]>;
  /**
   * Marks the unacknowledged rejects of a target table (of one run, or all) as acknowledged:
   * someone has seen them and decided. Returns how many were marked.
   */
  acknowledgeRejects(target: { targetTable: string; runId?: string }): Promise<number>;
  /**
   * Opens a target table's rejects again (of one run, or all; acknowledged or resolved ones
   * too) so the next run reads those rows again by their key. Returns how many were opened
   * and how many of them have no key (a keyless table's rows cannot be read again by key).
   */
  retryRejects(target: {
    targetTable: string;
    runId?: string;
  }): Promise<{ opened: number; keyless: number }>;
}

/** Which rejected rows `listRejects` reads. */
export interface RejectsQuery {
  /** Only rows rejected by this datakit's runs. */
  datakit?: string;
  /** Only this target table (`schema.table`). */
  targetTable?: string;
  /** Also the acknowledged and resolved ones (default: only the open ones). */
  includeAcknowledged?: boolean;
  /** At most this many rows. */
  limit: number;
}

/** One rejected row as the bookkeeping holds it. */
export interface RejectRecord {
  runId: string;
  datakit: string | null;
  targetTable: string;
  /** `source`: it failed the source contract; `target`: the transform or the target contract. */
  stage: 'source' | 'target';
  reason: string;
  /**
   * The row as stored (JSON): the source row, each value its canonical text exactly as read
   * (microseconds, numeric digits and all), by source contract column.
   */
  row: unknown;
  /** The source key values (canonical text), or null for a table without a key. */
  key: string[] | null;
  /** ISO 8601. */
  rejectedAt: string;
  acknowledgedAt: string | null;
  /**
   * How a later run settled the row, read again by its key: `loaded`, `filtered` (the
   * transform dropped it), `rejected again` (a newer reject holds it), `not in source`.
   */
  resolution: RejectResolution | null;
  resolvedAt: string | null;
}

/** How a later run settled a rejected row read again by its key. */
export type RejectResolution = 'loaded' | 'filtered' | 'rejected again' | 'not in source';

/** Which runs `recentRuns` reads. */
export interface RecentRunsQuery {
  /** Only this datakit's runs; all when absent. */
  datakit?: string;
  /** At most this many runs per target table. */
  perTable: number;
}

/** One table of one run, as the warehouse's bookkeeping holds it. */
export interface RunRecord {
  runId: string;
  datakit: string;
  targetTable: string;
  sourceTable: string;
  mode: string;
  contractHash: string;
  status: 'running' | 'succeeded' | 'failed' | 'abandoned' | 'drift';
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt: string | null;
  read: number;
  written: number;
  rejected: number;
  filtered: number;
  cursorFrom: string | null;
  cursorTo: string | null;
  error: string | null;
}

/** A run stopped before any row moved. */
export interface StoppedRun {
  runId: string;
  datakit: string;
  contractHash: string;
  /** Why: `drift` (the live schemas did not match the contracts). */
  status: 'drift';
  /** The reason as people read it (the drift diff). */
  error: string;
  /** The tables the run would have loaded, `schema.table` on each side. */
  tables: readonly { targetTable: string; sourceTable: string; mode: WriteMode }[];
}

/** Opens warehouse sessions on one kind of database. */
export interface TargetAdapter<TKind extends DatabaseKind = DatabaseKind> {
  readonly kind: TKind;
  readonly dialect: Dialect;
  /** Like {@link SourceAdapter.open}, for the target side. */
  open(connection: ConnectionOf<TKind>): Promise<TargetSession>;
}
