import { ExitCode } from '@datakit/errors';

import { loadConfig } from './load-config.ts';
import { openConnections } from './open-connections.ts';
import type { VerbContext } from './verb-context.ts';

/**
 * `check`: loads the config, connects to source and target, compares the live schemas with
 * the contracts and prints one `check` event. Exit 0 when compatible, 3 on drift.
 */
export async function checkVerb(context: VerbContext): Promise<ExitCode> {
  const { definition, services, reporter, io } = context;
  const config = loadConfig(definition, { configPath: context.configPath, env: context.env });
  const connections = await openConnections(services, config);
  try {
    const report = await services.checkDrift({
      source: connections.source,
      target: connections.target,
      tables: config.tables,
      extraColumns: definition.extraColumns,
    });
    reporter.event({ type: 'check', status: report.ok ? 'ok' : 'drift', result: report.result });
    if (report.ok) return ExitCode.Success;
    io.stderr.write(`${report.text}\n`);
    return ExitCode.Drift;
  } finally {
    await connections.close();
  }
}
