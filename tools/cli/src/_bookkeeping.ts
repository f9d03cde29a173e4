// What the commands reading a warehouse's bookkeeping (`runs`, `rejects`) share.
import { Args, Flags } from '@oclif/core';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import type { UnreadConnection } from '@datakit/pins';
import type { LoadedWarehouse } from '@datakit/warehouse';
import { envFlags } from './_deploy.ts';

/** Refuses a `--datakit` (or argument) the warehouse does not pin, naming what it pins. */
export function assertPinned(loaded: LoadedWarehouse, datakit: string | undefined): void {
  if (datakit === undefined || loaded.warehouse.datakits[datakit] !== undefined) return;
  const pinned = Object.keys(loaded.warehouse.datakits).join(', ') || 'none';
  throw new ConfigError(`${loaded.file}: field "datakits" has no "${datakit}"; pinned: ${pinned}.`);
}

/** One error for the target connections that could not be opened, or undefined. */
export function unreachableError(
  connections: ReadonlyArray<{ status: string } | UnreadConnection>,
): EnvironmentError | undefined {
  const reasons = connections
    .filter((c): c is UnreadConnection => c.status === 'unreachable')
    .map((c) => c.reason);
  return reasons.length === 0 ? undefined : new EnvironmentError(reasons.join('\n'));
}

/** The arguments of the commands acting on one table's rejects (`rejects ack`, `rejects retry`). */
export const rejectsTableArgs = {
  warehouse: Args.string({
    description: 'Warehouse name (a folder of warehouses/) or folder path.',
    required: true,
  }),
  datakit: Args.string({
    description: 'The pinned datakit that writes the table.',
    required: true,
  }),
};

/** Their flags: the table, and optionally one run. */
export const rejectsTableFlags = {
  ...envFlags,
  table: Flags.string({
    description: 'The target table (schema.table).',
    char: 't',
    required: true,
  }),
  run: Flags.string({ description: "Only this run's rejected rows (its run id)." }),
};

/** `--run` as given, refused (exit 2) when it is not a run id. */
export function runIdFlag(run: string | undefined): string | undefined {
  if (run !== undefined && !/^[0-9a-f-]{36}$/i.test(run)) {
    throw new ConfigError(`--run: expected a run id (a uuid), got "${run}".`);
  }
  return run;
}
