import { ConfigError } from '@datakit/errors';

/** The verbs every datakit image answers. */
export const VERBS = ['spec', 'check', 'run'] as const;

/** One of {@link VERBS}. */
export type Verb = (typeof VERBS)[number];

/** The command line, parsed. */
export interface ParsedArgs {
  verb: Verb;
  /** `--config <path>` or `--config=<path>`, when given. */
  configPath: string | undefined;
}

const USAGE = 'Usage: <datakit> spec | check [--config <path>] | run [--config <path>]';

/**
 * Parses `argv` (without node and the script): a verb, then an optional `--config <path>`.
 * Anything else is a `ConfigError` (exit code 2) that shows the usage.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [verb, ...rest] = argv;
  if (verb === undefined || !(VERBS as readonly string[]).includes(verb)) {
    throw new ConfigError(
      verb === undefined
        ? 'No verb given; expected spec, check or run.'
        : `Unknown verb "${verb}"; expected spec, check or run.`,
      { hint: USAGE },
    );
  }
  let configPath: string | undefined;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] as string;
    if (arg === '--config') {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new ConfigError('--config needs a path, e.g. --config /etc/datakit/config.json.', {
          hint: USAGE,
        });
      }
      configPath = value;
      i += 1;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
    } else {
      throw new ConfigError(`Unknown argument "${arg}" for ${verb}.`, { hint: USAGE });
    }
  }
  if (configPath === '') {
    throw new ConfigError('--config needs a path, e.g. --config /etc/datakit/config.json.', {
      hint: USAGE,
    });
  }
  return { verb: verb as Verb, configPath };
}
