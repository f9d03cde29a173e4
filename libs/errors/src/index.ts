/**
 * The named errors of the platform. Libraries throw these; only the CLI's top level turns
 * them into text and exit codes. Branch on the class (or `exitCode`), never on message text.
 */

/** Exit codes shared by the CLI, the infra tool and the datakit runtime. */
export const ExitCode = {
  /** Everything worked. */
  Success: 0,
  /** Something failed that is not one of the classes below. */
  Failure: 1,
  /** Bad input: a config file, a flag, an environment variable. */
  Config: 2,
  /** The live schema no longer matches the contract. */
  Drift: 3,
  /** More rows failed validation than the configured threshold allows. */
  Rejects: 4,
  /** The environment lacks something the command needs (an engine, a port, a package). */
  Environment: 5,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Options every datakit error accepts. */
export interface DatakitErrorOptions {
  /** The error that caused this one, kept for debugging, never printed to users by default. */
  cause?: unknown;
  /** What the user can do next, printed after the message. */
  hint?: string;
}

/** Base class: a message for people, an exit code for the process, an optional hint. */
export class DatakitError extends Error {
  readonly exitCode: ExitCode = ExitCode.Failure;
  readonly hint: string | undefined;

  constructor(message: string, options: DatakitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad configuration or input: names the file, the field and what was expected. */
export class ConfigError extends DatakitError {
  override readonly exitCode: ExitCode = ExitCode.Config;
}

/** The machine lacks something: a Docker engine, a free port, a package, root. */
export class EnvironmentError extends DatakitError {
  override readonly exitCode: ExitCode = ExitCode.Environment;
}

/** A Docker engine call failed (including errors reported inside a 200 progress stream). */
export class DockerError extends DatakitError {}

/** A registry call failed: unreachable, unauthorized, not found. Names the URL. */
export class RegistryError extends DatakitError {
  /** The HTTP status, when the registry answered. */
  readonly status: number | undefined;
  /** The URL that was requested. */
  readonly url: string;

  constructor(message: string, url: string, status?: number, options: DatakitErrorOptions = {}) {
    super(message, options);
    this.url = url;
    this.status = status;
  }
}

/** The live schema differs from the contract. */
export class DriftError extends DatakitError {
  override readonly exitCode: ExitCode = ExitCode.Drift;
}

/** More rows were rejected than the threshold allows. */
export class RejectsError extends DatakitError {
  override readonly exitCode: ExitCode = ExitCode.Rejects;
}

/** True for any error this platform raised on purpose (as opposed to a bug). */
export function isDatakitError(error: unknown): error is DatakitError {
  return error instanceof DatakitError;
}

/**
 * Renders an error as one paragraph for a terminal: the message, then the hint. Unknown errors
 * show their message only; stack traces are for `DATAKIT_DEBUG=1` and never the default.
 */
export function formatError(error: unknown): string {
  if (error instanceof DatakitError) {
    return error.hint ? `${error.message}\n${error.hint}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The exit code for any thrown value: the error's own for platform errors, 1 otherwise. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof DatakitError ? error.exitCode : ExitCode.Failure;
}
