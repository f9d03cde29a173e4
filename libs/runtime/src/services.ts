import type {
  CopyFormat,
  CopyFormatChoice,
  SourceSession,
  TargetSession,
} from '@datakit/databases';
import type { Connection } from '@datakit/warehouse';

import type { ExtraColumnsPolicy } from './define-datakit.ts';
import type { TableCounts } from './events.ts';
import type { ConfiguredTable } from './load-config.ts';

/** What the drift check is asked. */
export interface CheckDriftInput {
  source: SourceSession;
  target: TargetSession;
  tables: readonly ConfiguredTable[];
  /** The datakit's policy for columns the contracts do not know. */
  extraColumns: ExtraColumnsPolicy;
}

/** The drift check's answer. */
export interface DriftReport {
  /** True when every live schema is compatible with its contract. */
  ok: boolean;
  /** The structured comparison, as the drift library gives it (printed in the `check` event). */
  result: unknown;
  /** The human-readable diff naming table, column, expected and found; empty when ok. */
  text: string;
  /**
   * The accepted changes (extra live columns the policy discards, widened types...), one line
   * each, logged once per run; empty when none.
   */
  accepted?: readonly string[];
}

/** What the loader is asked for one table. */
export interface LoadTableInput {
  runId: string;
  /** The datakit's name and its contract hash, recorded with the run in the warehouse. */
  datakit: string;
  contractHash: string;
  /** The datakit's policy for columns the contracts and the live tables disagree on. */
  extraColumns: ExtraColumnsPolicy;
  source: SourceSession;
  target: TargetSession;
  table: ConfiguredTable;
  batchSize: number;
  /** `auto` (binary COPY where every column allows it) or `text`. */
  copyFormat: CopyFormatChoice;
  /** Fraction of rows that may be rejected before the load fails. */
  rejectThreshold: number;
  /** Rejected rows always tolerated, whatever the fraction. */
  rejectFloor: number;
  /** Called now and then with the running counts. */
  onProgress(counts: { read: number; written: number }): void;
}

/** The loader's answer for one table. */
export interface LoadTableResult extends TableCounts {
  /** The cursor value the next run resumes after, as text, when the table has a cursor. */
  cursor?: string | null;
  /** The COPY format the rows crossed in. */
  format?: CopyFormat;
  /** Of read and rejected, rows earlier runs rejected already (not counted against limits). */
  rejectedBefore?: number;
}

/**
 * The work `check` and `run` delegate: opening sessions, comparing schemas (@datakit/drift),
 * loading tables (the target adapter of @datakit/databases). One interface so tests can run the verbs without a
 * database, and so each library is called from exactly one small module.
 */
export interface DatakitServices {
  /** A session on the source database, through the adapter of its kind. */
  openSource(connection: Connection): Promise<SourceSession>;
  /** A session on the warehouse, through the adapter of its kind. */
  openTarget(connection: Connection): Promise<TargetSession>;
  checkDrift(input: CheckDriftInput): Promise<DriftReport>;
  loadTable(input: LoadTableInput): Promise<LoadTableResult>;
}
