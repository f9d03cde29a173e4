import { ExitCode, exitCodeOf, formatError, isDatakitError } from '@datakit/errors';

import type { DatakitIo, FailureType, Reporter } from './events.ts';

/** The failure type of an exit code, in Airbyte's TRACE vocabulary extended. */
const FAILURE_TYPES: Record<number, FailureType> = {
  [ExitCode.Config]: 'config_error',
  [ExitCode.Drift]: 'drift_error',
  [ExitCode.Rejects]: 'rejects_error',
  [ExitCode.Environment]: 'environment_error',
};

/**
 * Reports a failure: one `error` event on stdout and one paragraph on stderr (the message and
 * the hint), with the stack trace and causes only when `DATAKIT_DEBUG=1`. Returns the exit code.
 */
export function reportFailure(
  reporter: Reporter,
  io: DatakitIo,
  error: unknown,
  options: { debug: boolean; runId?: string },
): ExitCode {
  const exitCode = exitCodeOf(error);
  const expected = isDatakitError(error);
  const message = formatError(error);
  reporter.event({
    type: 'error',
    failure_type: FAILURE_TYPES[exitCode] ?? 'system_error',
    error: error instanceof Error ? error.name : typeof error,
    message,
    exitCode,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
  });
  const paragraph = expected
    ? message
    : `Unexpected failure: ${message}\n${options.debug ? '' : 'Run again with DATAKIT_DEBUG=1 to see the stack trace.'}`;
  io.stderr.write(`${paragraph.trimEnd()}\n`);
  if (options.debug) io.stderr.write(`${debugDetails(error)}\n`);
  return exitCode;
}

function debugDetails(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    lines.push(
      depth === 0 ? '' : 'Caused by:',
      current instanceof Error ? (current.stack ?? current.message) : String(current),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n').trim();
}
