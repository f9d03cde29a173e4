// `datakit runs`: the recent runs of a warehouse's datakits, from the warehouse's own
// bookkeeping, read through the target adapter as the runtime writes it.
import {
  openTarget,
  type RejectRecord,
  type RunRecord,
  type TargetSession,
} from '@datakit/databases';
import { ConfigError } from '@datakit/errors';
import { resolveEnvironment, type LoadedWarehouse } from '@datakit/warehouse';

import { onThisMachine } from './on-this-machine.ts';

/** What `runs` is asked. */
export interface WarehouseRunsOptions {
  environment: string;
  /** Only this pinned datakit; all pins when absent. */
  datakit?: string;
  /** Runs per target table (default 5). */
  perTable?: number;
}

/** A target connection whose bookkeeping could not be read, and why. */
export interface UnreadConnection {
  connection: string;
  datakits: string[];
  status: 'skipped' | 'unreachable';
  reason: string;
}

/** What was read from one target connection. */
type ReadConnection<T> = { connection: string; datakits: string[]; status: 'ok' } & T;

/** The runs of one target connection, or why they could not be read. */
export type ConnectionRuns = ReadConnection<{ runs: RunRecord[] }> | UnreadConnection;

/**
 * Reads the latest runs of every pinned datakit (or one) from each target connection they
 * write, opened as `verify` opens it on this machine. A connection whose secret is in the
 * secret store (delinea:) is skipped; one that cannot be opened is reported unreachable.
 */
export async function warehouseRuns(
  loaded: LoadedWarehouse,
  options: WarehouseRunsOptions,
): Promise<ConnectionRuns[]> {
  return forEachTarget(loaded, options, async (session, datakits) => {
    const runs: RunRecord[] = [];
    for (const datakit of datakits) {
      runs.push(...(await session.recentRuns({ datakit, perTable: options.perTable ?? 5 })));
    }
    return { runs };
  });
}

/** The rejected rows of one target connection, or why they could not be read. */
export type ConnectionRejects = ReadConnection<{ rejects: RejectRecord[] }> | UnreadConnection;

/** What `rejects` is asked. */
export interface WarehouseRejectsOptions {
  environment: string;
  datakit?: string;
  /** Only this target table (`schema.table`). */
  targetTable?: string;
  includeAcknowledged?: boolean;
  /** Rows per connection (default 100). */
  limit?: number;
}

/** The rejected rows of the pinned datakits (or one), from each target connection they write. */
export async function warehouseRejects(
  loaded: LoadedWarehouse,
  options: WarehouseRejectsOptions,
): Promise<ConnectionRejects[]> {
  return forEachTarget(loaded, options, async (session, datakits) => {
    const rejects: RejectRecord[] = [];
    for (const datakit of datakits) {
      rejects.push(
        ...(await session.listRejects({
          datakit,
          targetTable: options.targetTable,
          includeAcknowledged: options.includeAcknowledged,
          limit: options.limit ?? 100,
        })),
      );
    }
    return { rejects };
  });
}

/** Which table's rejects (of one run, or all) an acknowledgement or a retry is about. */
export interface TableRejectsTarget {
  environment: string;
  datakit: string;
  targetTable: string;
  runId?: string;
}

/**
 * Acknowledges the unacknowledged rejects of a target table (of one run, or all) in the target
 * connection of the datakit that writes it; how many were marked.
 */
export function acknowledgeWarehouseRejects(
  loaded: LoadedWarehouse,
  options: TableRejectsTarget,
): Promise<number> {
  return withPinTarget(loaded, options, (session, target) => session.acknowledgeRejects(target));
}

/**
 * Opens a target table's rejects again (of one run, or all; acknowledged or settled ones
 * too), in the target connection of the datakit that writes it, so its next run reads those
 * rows again by key: how many were opened, and how many of them have no key.
 */
export function retryWarehouseRejects(
  loaded: LoadedWarehouse,
  options: TableRejectsTarget,
): Promise<{ opened: number; keyless: number }> {
  return withPinTarget(loaded, options, (session, target) => session.retryRejects(target));
}

/** Opens the target connection of the pinned datakit that writes the table, and acts on it. */
async function withPinTarget<T>(
  loaded: LoadedWarehouse,
  options: TableRejectsTarget,
  act: (session: TargetSession, target: { targetTable: string; runId?: string }) => Promise<T>,
): Promise<T> {
  const pin = loaded.warehouse.datakits[options.datakit];
  if (pin === undefined) {
    throw new ConfigError(`${loaded.file}: field "datakits" has no "${options.datakit}".`);
  }
  const session = await openTarget(
    onThisMachine(
      loaded,
      options.environment,
      resolveEnvironment(loaded.warehouse, options.environment).connections[pin.target]!,
    ),
  );
  try {
    return await act(session, { targetTable: options.targetTable, runId: options.runId });
  } finally {
    await session.close();
  }
}

/**
 * Opens each target connection the pins (or one) write, as `verify` opens it on this machine,
 * and reads from it; a delinea: secret is skipped, a connection that cannot be opened is
 * reported unreachable.
 */
async function forEachTarget<T extends object>(
  loaded: LoadedWarehouse,
  options: { environment: string; datakit?: string },
  read: (session: TargetSession, datakits: string[]) => Promise<T>,
): Promise<Array<ReadConnection<T> | UnreadConnection>> {
  const pins = Object.entries(loaded.warehouse.datakits).filter(
    ([name]) => options.datakit === undefined || name === options.datakit,
  );
  const byTarget = new Map<string, string[]>();
  for (const [name, pin] of pins)
    byTarget.set(pin.target, [...(byTarget.get(pin.target) ?? []), name]);
  const out: Array<ReadConnection<T> | UnreadConnection> = [];
  for (const [connectionName, datakits] of byTarget) {
    const connection = resolveEnvironment(loaded.warehouse, options.environment).connections[
      connectionName
    ]!;
    if (connection.password?.kind === 'delinea') {
      out.push({
        connection: connectionName,
        datakits,
        status: 'skipped',
        reason: `${loaded.file}: field "connections.${connectionName}.password" is a delinea: reference; the CLI does not read the secret store`,
      });
      continue;
    }
    let session: TargetSession;
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
      out.push({
        connection: connectionName,
        datakits,
        status: 'ok',
        ...(await read(session, datakits)),
      });
    } finally {
      await session.close();
    }
  }
  return out;
}
