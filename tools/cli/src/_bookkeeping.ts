// What the commands reading a warehouse's bookkeeping (`runs`, `rejects`) share.
import { ConfigError, EnvironmentError } from '@datakit/errors';
import type { UnreadConnection } from '@datakit/pins';
import type { LoadedWarehouse } from '@datakit/warehouse';

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
