// How the CLI talks to people and to CI: progress lines, plain in CI (`--plain`, CI=true or no
// TTY), and errors as one paragraph with the right exit code.
import { Command, Flags } from '@oclif/core';
import { exitCodeOf, formatError } from '@datakit/errors';

/** Flags every command that shows progress accepts. */
export const progressFlags = {
  plain: Flags.boolean({
    description:
      'Plain progress lines for logs and CI (the default when CI=true or not a terminal).',
    default: false,
  }),
};

/** True when progress should be plain lines. */
export function isPlain(flagPlain: boolean): boolean {
  return flagPlain || process.env.CI === 'true' || !process.stderr.isTTY;
}

/**
 * Base class: turns every error into one paragraph on stderr and the error's own exit code
 * (2 config, 3 drift, 5 environment, ...), never a stack trace unless DATAKIT_DEBUG is set.
 */
export abstract class DatakitCommand extends Command {
  /** One progress line on stderr, so stdout stays for results and `--json`. */
  protected progress(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    // oclif's own parse errors (unknown flag, missing argument) keep their handling.
    if (error.oclif !== undefined) return super.catch(error);
    if (process.env.DATAKIT_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
    this.reportError(error);
    return this.exit(exitCodeOf(error));
  }

  /**
   * A failure of a command whose result is still worth printing: thrown at a terminal; with
   * `--json` the result goes to stdout and the paragraph and exit code say why.
   */
  protected failAfterResult(error: Error & { exitCode: number }): void {
    if (!this.jsonEnabled()) throw error;
    this.reportError(error);
    process.exitCode = error.exitCode;
  }

  /** The error's paragraph on stderr, named after the command (`datakit verify: ...`). */
  protected reportError(error: unknown): void {
    process.stderr.write(
      `datakit ${(this.id ?? '').replaceAll(':', ' ')}: ${formatError(error)}\n`,
    );
  }
}
