// What the pin commands share: the registry of a warehouse environment, and "every warehouse"
// when no warehouse is named.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { registryHostOf, type PinRegistry } from '@datakit/pins';
import { loadWarehouse, type LoadedWarehouse } from '@datakit/warehouse';
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

/** The named warehouse, or every folder of warehouses/ with a warehouse.yaml, by name. */
export function warehousesOf(name: string | undefined): LoadedWarehouse[] {
  if (name !== undefined) return [findWarehouse(name)];
  const root = join(repoRoot(), 'warehouses');
  return readdirSync(root)
    .sort()
    .filter((dir) => existsSync(join(root, dir, 'warehouse.yaml')))
    .map((dir) => loadWarehouse(join(root, dir)));
}
