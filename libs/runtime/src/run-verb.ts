import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { describeRejectLimits, rejectsOverLimit } from '@datakit/databases';
import { DriftError, ExitCode, RejectsError } from '@datakit/errors';

import { buildSpec } from './build-spec.ts';
import type { RunTimings, TableCounts } from './events.ts';
import { forEachConcurrently } from './_for-each-concurrently.ts';
import { loadConfig } from './load-config.ts';
import type { ConfiguredTable, NormalizedRuntimeConfig } from './load-config.ts';
import { openConnections, openMoreConnections } from './open-connections.ts';
import type { OpenConnections } from './open-connections.ts';
import { reportFailure } from './report-failure.ts';
import type { VerbContext } from './verb-context.ts';

/**
 * `run`: loads the config, connects, checks drift (and stops before any row moves), loads
 * the configured tables, `concurrency` at a time (each on its own sessions and in its own
 * transaction), and prints `table` events and a final `summary` with the run's timings. After
 * a table fails no other table starts; those already loading finish and commit. Any failure
 * prints an `error` event and a failed `summary` and ends with its exit code.
 */
export async function runVerb(context: VerbContext): Promise<ExitCode> {
  const runId = randomUUID();
  const started = Date.now();
  const timings: RunTimings = { startupMs: Math.round(performance.now()) };
  let mark = performance.now();
  const lap = (): number => {
    const at = performance.now();
    const ms = Math.round(at - mark);
    mark = at;
    return ms;
  };
  const totals: TableCounts = { read: 0, written: 0, rejected: 0, filtered: 0 };
  let loaded = 0;
  const summary = (status: 'succeeded' | 'failed') =>
    context.reporter.event({
      type: 'summary',
      runId,
      status,
      tables: loaded,
      ...totals,
      durationMs: Date.now() - started,
      timings,
    });
  let connections: OpenConnections | undefined;
  // The other tables' sessions, opened while the drift check runs; settled, never rejected.
  let more: Promise<{ opened: OpenConnections[] } | { error: unknown }> | undefined;
  try {
    const config = loadConfig(context.definition, {
      configPath: context.configPath,
      env: context.env,
    });
    timings.configMs = lap();
    context.reporter.log(
      'info',
      `run ${runId}: ${context.definition.name}, ${config.tables.length} tables from ${config.file}, ${config.concurrency} at a time`,
      { runId },
    );
    connections = await openConnections(context.services, config);
    timings.connectMs = lap();
    more = openMoreConnections(context.services, config, config.concurrency - 1).then(
      (opened) => ({ opened }),
      (error: unknown) => ({ error }),
    );
    const { name, contractHash } = buildSpec(context.definition, context.env);
    const run = { runId, datakit: name, contractHash };
    await stopOnDrift(context, connections, config, run);
    timings.driftMs = lap();
    const extra = await more;
    if ('error' in extra) throw extra.error;
    timings.concurrency = config.concurrency;
    await forEachConcurrently(
      config.tables,
      [connections, ...extra.opened],
      async (table, sessions) => {
        const counts = await loadOneTable(context, sessions, config, table, run);
        for (const key of ['read', 'written', 'rejected', 'filtered'] as const) {
          totals[key] += counts[key];
        }
        loaded += 1;
      },
    );
    timings.loadsMs = lap();
    summary('succeeded');
    return ExitCode.Success;
  } catch (error) {
    const code = reportFailure(context.reporter, context.io, error, {
      debug: context.debug,
      runId,
    });
    summary('failed');
    return code;
  } finally {
    const extra = await more;
    await Promise.all([
      connections?.close(),
      ...(extra !== undefined && 'opened' in extra ? extra.opened.map((c) => c.close()) : []),
    ]);
  }
}

async function stopOnDrift(
  context: VerbContext,
  connections: OpenConnections,
  config: NormalizedRuntimeConfig,
  run: { runId: string; datakit: string; contractHash: string },
): Promise<void> {
  const report = await context.services.checkDrift({
    source: connections.source,
    target: connections.target,
    tables: config.tables,
    extraColumns: context.definition.extraColumns,
  });
  for (const line of report.accepted ?? []) {
    context.reporter.log('warn', `schema drift accepted: ${line}`, { runId: run.runId });
  }
  if (!report.ok) {
    // The warehouse's history shows the stopped run; failing to write it does not hide the drift.
    await connections.target
      .recordStoppedRun({
        ...run,
        status: 'drift',
        error: report.text,
        tables: config.tables.map((table) => ({
          targetTable: `${table.targetSchema}.${table.target.name}`,
          sourceTable: `${table.sourceSchema}.${table.source.sourceName}`,
          mode: table.mode,
        })),
      })
      .catch((error: unknown) =>
        context.reporter.log(
          'warn',
          `the run stopped by drift could not be recorded in the warehouse: ${(error as Error).message}`,
          { runId: run.runId },
        ),
      );
    throw new DriftError(`${report.text}\nNo rows were moved.`, {
      hint: 'Run `check` for the structured result; update the contracts (a new datakit version) or fix the tables.',
    });
  }
}

async function loadOneTable(
  context: VerbContext,
  connections: OpenConnections,
  config: NormalizedRuntimeConfig,
  table: ConfiguredTable,
  run: { runId: string; datakit: string; contractHash: string },
): Promise<TableCounts> {
  const { runId } = run;
  const started = Date.now();
  const name = `${table.targetSchema}.${table.target.name}`;
  context.reporter.log(
    'info',
    `loading ${name} (${table.mode}) from ${table.sourceSchema}.${table.source.name}`,
    {
      runId,
      table: name,
    },
  );
  const result = await context.services.loadTable({
    ...run,
    extraColumns: context.definition.extraColumns,
    source: connections.source,
    target: connections.target,
    table,
    batchSize: config.batchSize,
    copyFormat: config.copyFormat,
    rejectThreshold: config.rejectThreshold,
    rejectFloor: config.rejectFloor,
    onProgress: ({ read, written }) =>
      context.reporter.event({ type: 'progress', runId, table: name, read, written }),
  });
  context.reporter.event({
    type: 'table',
    runId,
    source: `${table.sourceSchema}.${table.source.name}`,
    table: name,
    mode: table.mode,
    read: result.read,
    written: result.written,
    rejected: result.rejected,
    filtered: result.filtered,
    ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
    ...(result.format === undefined ? {} : { format: result.format }),
    durationMs: Date.now() - started,
  });
  // The loader enforces the threshold itself; this guards a loader that only counts (rows an
  // earlier run rejected already do not count, as in the loader).
  const limits = { threshold: config.rejectThreshold, floor: config.rejectFloor };
  const over = rejectsOverLimit(result, limits);
  if (over !== undefined) {
    throw new RejectsError(`${name}: ${over.summary}, more than ${describeRejectLimits(limits)}.`, {
      hint: 'The rejected rows and their reasons are kept in the warehouse; fix the data or raise rejectThreshold (a fraction) or rejectFloor (rows).',
    });
  }
  return result;
}
