// What the pin commands share: the registry of a warehouse environment, and "every warehouse"
// when no warehouse is named.
import { join } from 'node:path';
import { registryHostOf, type PinRegistry } from '@datakit/pins';
import {
  loadWarehouses,
  type LoadedWarehouse,
  type WarehouseLoadFailure,
} from '@datakit/warehouse';
import { findWarehouse } from './_deploy.ts';
import { repoRoot } from './_paths.ts';
import { openRegistry } from './_registry.ts';

/** The registry an environment of a warehouse names, opened with the CLI's credentials. */
export function pinRegistryOf(loaded: LoadedWarehouse, environment: string): PinRegistry {
  const { host: written, field } = registryHostOf(loaded, environment);
  // Lock references name the host as the registry client reads it (no scheme).
  const { host, client } = openRegistry(written);
  return { host, client, file: loaded.file, field };
}

/**
 * The named warehouse (its load error is thrown), or every folder of warehouses/ with a
 * warehouse.yaml, by name: a folder that fails to load is returned in `failed`, so the command
 * reports it, goes on with the others and exits non-zero at the end.
 */
export function warehousesOf(name: string | undefined): {
  loaded: LoadedWarehouse[];
  failed: WarehouseLoadFailure[];
} {
  if (name !== undefined) return { loaded: [findWarehouse(name)], failed: [] };
  return loadWarehouses(join(repoRoot(), 'warehouses'));
}
