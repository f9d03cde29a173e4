import type { CopyFormat } from '@datakit/databases';
import type { TableSpec, WriteMode } from '@datakit/contracts';

/** Severity of a `log` event. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Why a run failed, in the vocabulary of Airbyte's TRACE messages (`config_error`,
 * `system_error`) extended by the platform's own classes.
 */
export type FailureType =
  'config_error' | 'drift_error' | 'rejects_error' | 'environment_error' | 'system_error';

/** The `spec` verb's single line. */
export interface SpecEvent {
  type: 'spec';
  /** The datakit's name (the image's `DATAKIT_NAME`). */
  name: string;
  /** The datakit's version (the image's `DATAKIT_VERSION`). */
  version: string;
  /** What the datakit does, if its definition says. */
  description?: string;
  /** Source contracts, then target contracts, as `describeTable` gives them. */
  contracts: TableSpec[];
  /** `contractHash` over every source and target contract. */
  contractHash: string;
  /** One entry per loaded table: which transform maps which source to which target. */
  transforms: TransformSpec[];
  /** JSON Schema (draft 2020-12) of the configuration file, generated from the zod schema. */
  config: Record<string, unknown>;
}

/** One table of a datakit as `spec` describes it. */
export interface TransformSpec {
  /** The transform's name. */
  name: string;
  /** `schema.table` of the source contract. */
  source: string;
  /** `schema.table` of the target contract. */
  target: string;
  /** Write mode unless the config overrides it. */
  mode: WriteMode;
  /** The modes a warehouse may choose for this table in the config's `mode`. */
  modes: WriteMode[];
  /** The source column the load resumes after, or null for a full read every run. */
  cursor: string | null;
  /** Whether no two source rows share a cursor value (the source's key or a rowversion). */
  cursorUnique: boolean;
  /** A keyless target's dedup rule: the columns a merge upserts on; empty: none. */
  dedupOn: string[];
}

/** How rows reach the target table. */
export type { WriteMode };

/** The `check` verb's result line. */
export interface CheckEvent {
  type: 'check';
  /** `ok` when every live schema matches its contract, `drift` otherwise. */
  status: 'ok' | 'drift';
  /** The drift library's structured result, one entry per checked table. */
  result: unknown;
}

/** A log line mirrored on stdout for collectors that read only the JSON stream. */
export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
  runId?: string;
  table?: string;
}

/** Progress of one table during `run`. */
export interface ProgressEvent {
  type: 'progress';
  runId: string;
  /** Target table, `schema.table`. */
  table: string;
  /** Rows read from the source so far. */
  read: number;
  /** Rows written to the target so far. */
  written: number;
}

/** Counts of one table. */
export interface TableCounts {
  /** Rows read from the source. */
  read: number;
  /** Rows written (inserted or updated) in the target. */
  written: number;
  /** Rows that failed the source or the target contract. */
  rejected: number;
  /** Rows the transform filtered out on purpose. */
  filtered: number;
}

/** One table finished loading. */
export interface TableEvent extends TableCounts {
  type: 'table';
  runId: string;
  /** Source table, `schema.table`. */
  source: string;
  /** Target table, `schema.table`. */
  table: string;
  mode: WriteMode;
  /** The cursor value the next run resumes after, when the table has a cursor. */
  cursor?: string | null;
  /** The COPY format the rows crossed in, when the loader says. */
  format?: CopyFormat;
  durationMs: number;
}

/** The last line of a `run`, success or not. */
export interface SummaryEvent extends TableCounts {
  type: 'summary';
  runId: string;
  status: 'succeeded' | 'failed';
  /** Number of tables loaded. */
  tables: number;
  durationMs: number;
  /** Where the run's time went, in milliseconds; the steps not reached are absent. */
  timings?: RunTimings;
}

/**
 * The steps of a `run` and their milliseconds, so that the time outside the loads shows.
 * `startupMs` is the process's own start (Node and the bundle's modules) before the verb ran.
 */
export interface RunTimings {
  startupMs: number;
  configMs?: number;
  /** Opening the first source and target sessions. */
  connectMs?: number;
  /** The drift check (the other tables' sessions open meanwhile). */
  driftMs?: number;
  /** Every table's load, first start to last end. */
  loadsMs?: number;
  /** Tables loaded at once. */
  concurrency?: number;
}

/** A failure: one line on stdout, one paragraph on stderr, then the exit code. */
export interface ErrorEvent {
  type: 'error';
  failure_type: FailureType;
  /** The error class, e.g. `ConfigError`. */
  error: string;
  message: string;
  /** The exit code the process ends with. */
  exitCode: number;
  runId?: string;
}

/** Every event a datakit prints on stdout, one JSON object per line. */
export type DatakitEvent =
  SpecEvent | CheckEvent | LogEvent | ProgressEvent | TableEvent | SummaryEvent | ErrorEvent;

/** Where the runtime writes: stdout for events, stderr for people, and the exit code. */
export interface DatakitIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Sets the process's exit code; the runtime calls it once. */
  setExitCode(code: number): void;
}

/** The real process's streams and exit code. */
export const processIo: DatakitIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Writes events as JSON lines and logs as text; what every verb reports through. */
export interface Reporter {
  /** Writes one event as a JSON line on stdout. */
  event(event: DatakitEvent): void;
  /** Writes a log line on stderr (and, at info and above, a `log` event on stdout). */
  log(level: LogLevel, message: string, fields?: { runId?: string; table?: string }): void;
}

/** A reporter over the given streams. `bigint` values are written as decimal strings. */
export function createReporter(io: DatakitIo, options: { debug: boolean }): Reporter {
  return {
    event: (event) => {
      io.stdout.write(`${JSON.stringify(event, jsonReplacer)}\n`);
    },
    log: (level, message, fields = {}) => {
      if (level === 'debug' && !options.debug) return;
      io.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
      if (level !== 'debug') {
        io.stdout.write(`${JSON.stringify({ type: 'log', level, message, ...fields })}\n`);
      }
    },
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
