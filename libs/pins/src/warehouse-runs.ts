// `datakit runs`: the recent runs of a warehouse's datakits, from the warehouse's own
// bookkeeping, read through the target adapter as the runtime writes it.
import { openTarget, type RunRecord } from '@datakit/databases';
import type { LoadedWarehouse } from '@datakit/warehouse';

import { onThisMachine } from './_live-tables.ts';

/** What `runs` is asked. */
export interface WarehouseRunsOptions {
  environment: string;
  /** Only this pinned datakit; all pins when absent. */
  datakit?: string;
  /** Runs per target table (default 5). */
  perTable?: number;
}

/** The runs of one target connection, or why they could not be read. */
export type ConnectionRuns =
  | { connection: string; datakits: string[]; status: 'ok'; runs: RunRecord[] }
  | { connection: string; datakits: string[]; status: 'skipped' | 'unreachable'; reason: string };

/**
 * Reads the latest runs of every pinned datakit (or one) from each target connection they
 * write, opened as `verify` opens it on this machine. A connection whose secret is in the
 * secret store (delinea:) is skipped; one that cannot be opened is reported unreachable.
 */
export async function warehouseRuns(
  loaded: LoadedWarehouse,
  options: WarehouseRunsOptions,
): Promise<ConnectionRuns[]> {
  const pins = Object.entries(loaded.warehouse.datakits).filter(
    ([name]) => options.datakit === undefined || name === options.datakit,
  );
  const byTarget = new Map<string, string[]>();
  for (const [name, pin] of pins)
    byTarget.set(pin.target, [...(byTarget.get(pin.target) ?? []), name]);
  const out: ConnectionRuns[] = [];
  for (const [connectionName, datakits] of byTarget) {
    const connection = loaded.warehouse.connections[connectionName]!;
    if (connection.password?.kind === 'delinea') {
      out.push({
        connection: connectionName,
        datakits,
        status: 'skipped',
        reason: `${loaded.file}: field "connections.${connectionName}.password" is a delinea: reference; the CLI does not read the secret store`,
      });
      continue;
    }
    let session;
    try {
      session = await openTarget(onThisMachine(loaded, options.environment, connection));
    } catch (error) {
      out.push({
        connection: connectionName,
        datakits,
        status: 'unreachable',
        reason: `connection "${connectionName}": ${(error as Error).message}`,
      });
      continue;
    }
    try {
      const runs: RunRecord[] = [];
      for (const datakit of datakits) {
        runs.push(...(await session.recentRuns({ datakit, perTable: options.perTable ?? 5 })));
      }
      out.push({ connection: connectionName, datakits, status: 'ok', runs });
    } finally {
      await session.close();
    }
  }
  return out;
}
