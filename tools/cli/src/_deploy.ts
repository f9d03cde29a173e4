// What every deploy command shares: its argument and flags, finding the warehouse, and what
// only the CLI knows for @datakit/deploy (this repository's sidecar, the registry credentials).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import type { DeployContext } from '@datakit/deploy';
import { ConfigError } from '@datakit/errors';
import { loadWarehouse, type LoadedWarehouse } from '@datakit/warehouse';
import type { SidecarRequest } from '@datakit/pins';
import { repoRoot } from './_paths.ts';
import { registryCredentials } from './_registry-credentials.ts';

export const warehouseArg = {
  warehouse: Args.string({
    description: 'Warehouse name (a folder of warehouses/) or folder path.',
    required: true,
  }),
};

export const envFlags = {
  env: Flags.string({
    description: 'Environment of warehouse.yaml to act on.',
    default: 'local',
    char: 'e',
  }),
};

export const dryRunFlag = {
  'dry-run': Flags.boolean({
    description: 'Show what would change and change nothing.',
    default: false,
  }),
};

/** Finds a warehouse folder by name or path; errors list where it looked. */
export function findWarehouse(name: string): LoadedWarehouse {
  const root = repoRoot();
  const candidates = isAbsolute(name) ? [name] : [join(root, 'warehouses', name), resolve(name)];
  const dir = candidates.find((c) => existsSync(join(c, 'warehouse.yaml')));
  if (!dir) {
    throw new ConfigError(`No warehouse named "${name}".`, {
      hint: `Looked for warehouse.yaml in:\n${candidates.map((c) => `  ${c}`).join('\n')}`,
    });
  }
  return loadWarehouse(dir);
}

/** The Kerberos sidecar of this repository (platform/kerberos-sidecar): what `pin` locks. */
export function sidecarRequest(): SidecarRequest {
  const file = join(repoRoot(), 'platform', 'kerberos-sidecar', 'package.json');
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return { repository: 'kerberos-sidecar', version };
}

/**
 * What the deploy library needs from the CLI alone: this repository's Kerberos sidecar, and the
 * credentials the Docker engine pulls with (those the CLI reads for the image's registry).
 */
export function deployContext(): DeployContext {
  return { sidecar: sidecarRequest(), registryCredentials: (host) => registryCredentials(host) };
}
