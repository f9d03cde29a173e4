import type { DesiredState } from './desired-state.ts';
import type { DeployPlan } from './plan.ts';

/** What a deploy did. */
export interface ApplyResult {
  plan: DeployPlan;
  /** Objects created, updated or deleted, as `kind/name`. */
  applied: string[];
  dryRun: boolean;
}

/** A running or finished job, as status reports it. */
export interface JobStatus {
  datakit: string;
  version: string;
  digest: string;
  schedule: string | undefined;
  /** Driver words: `scheduled`, `running`, `succeeded`, `failed`, `idle`. */
  state: string;
  lastRun: { startedAt: string | undefined; exitCode: number | undefined } | undefined;
}

/** The state of one environment of a warehouse. */
export interface DeployStatus {
  warehouse: string;
  environment: string;
  lockRevision: string | undefined;
  sidecar: { state: string; ready: boolean | undefined } | undefined;
  jobs: JobStatus[];
}

/** Options of an immediate run. */
export interface RunJobOptions {
  /** Called with each line the job prints on stdout (JSON events). */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /** How long to wait for a ready Kerberos ticket before failing the job. */
  ticketTimeoutSeconds?: number;
  /**
   * Called as the run passes each step, for `datakit run --timings`: `ticket` (a valid ticket
   * is there, or none was needed), `started` (the job's container or pod started), `exited`.
   */
  onPhase?: (phase: RunPhase) => void;
}

/** The steps of a job's run a driver reports through {@link RunJobOptions.onPhase}. */
export type RunPhase = 'ticket' | 'started' | 'exited';

/**
 * One desired state, two drivers (Docker, Kubernetes) behind this interface. Drivers never
 * print: progress goes through callbacks, results are returned.
 */
export interface DeployDriver {
  /** What `apply` would change, read from the labels of what runs now. */
  plan(state: DesiredState): Promise<DeployPlan>;
  /** Makes the environment match; a second apply of the same state changes nothing. */
  apply(
    state: DesiredState,
    options?: { dryRun?: boolean; onProgress?: (message: string) => void },
  ): Promise<ApplyResult>;
  status(warehouse: string, environment: string): Promise<DeployStatus>;
  /** The last lines a datakit's most recent run printed. */
  logs(warehouse: string, environment: string, datakit: string, tail?: number): Promise<string>;
  /** Runs one datakit now and returns its exit code. */
  runJob(state: DesiredState, datakit: string, options?: RunJobOptions): Promise<number>;
}
