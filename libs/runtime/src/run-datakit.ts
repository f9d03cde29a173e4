import { ExitCode } from '@datakit/errors';

import { buildSpec } from './build-spec.ts';
import { checkVerb } from './check-verb.ts';
import type { DatakitDefinition } from './define-datakit.ts';
import { createReporter, processIo } from './events.ts';
import type { DatakitIo } from './events.ts';
import { parseArgs } from './parse-args.ts';
import { reportFailure } from './report-failure.ts';
import { runVerb } from './run-verb.ts';
import { defaultServices } from './_default-services.ts';
import type { DatakitServices } from './services.ts';

/**
 * Options of {@link runDatakit}, for tests; a datakit's main.ts passes none.
 *
 * @example
 * // a datakit's test: its spec, with no database and no process output
 * let stdout = '';
 * const io = {
 *   stdout: { write: (text: string) => (stdout += text) },
 *   stderr: { write: () => true },
 *   setExitCode: () => undefined,
 * };
 * const code = await runDatakit(pagilaBronze, ['spec'], {}, { io });
 * expect(code).toBe(0);
 * expect(JSON.parse(stdout)).toMatchObject({ type: 'spec', name: 'pagila-bronze' });
 */
export interface RunDatakitOptions {
  /** Where events, logs and the exit code go. Default: the process. */
  io?: DatakitIo;
  /** Connections, drift check and loader. Default: @datakit/databases' adapters and @datakit/drift. */
  services?: Partial<DatakitServices>;
}

/**
 * The entry point of every datakit image: parses the verb (`spec`, `check`, `run`), runs it,
 * prints JSON-lines events on stdout and logs on stderr, and sets the exit code (see
 * README.md). The only place in the platform's datakit code that renders errors. Never throws.
 *
 * @example
 * // datakits/pagila-bronze/src/main.ts
 * await runDatakit(pagilaBronze, process.argv.slice(2), process.env);
 */
export async function runDatakit(
  definition: DatakitDefinition,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: RunDatakitOptions = {},
): Promise<ExitCode> {
  const io = options.io ?? processIo;
  const debug = env.DATAKIT_DEBUG === '1';
  const reporter = createReporter(io, { debug });
  let code: ExitCode;
  try {
    const args = parseArgs(argv);
    const context = {
      definition,
      env,
      configPath: args.configPath,
      services: { ...defaultServices, ...options.services },
      reporter,
      io,
      debug,
    };
    switch (args.verb) {
      case 'spec':
        reporter.event(buildSpec(definition, env));
        code = ExitCode.Success;
        break;
      case 'check':
        code = await checkVerb(context);
        break;
      case 'run':
        code = await runVerb(context);
        break;
    }
  } catch (error) {
    code = reportFailure(reporter, io, error, { debug });
  }
  io.setExitCode(code);
  return code;
}
