// What every deploy command shares: find the warehouse, build its desired state for an
// environment, and pick the driver for that environment.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  desiredState,
  DockerDriver,
  KubernetesDriver,
  type DeployDriver,
  type DesiredState,
} from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { loadWarehouse, type LoadedWarehouse, type Lock } from '@datakit/warehouse';
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
 * The sidecar image of an environment: by the digest the lock pinned (`pin` resolves it with
 * the datakits), in the environment's registry; a lock from before sidecars were locked gives
 * the version tag of this repository's sidecar, which deploy refuses (verify says so too).
 */
export function sidecarImage(registry: string, lock?: Lock): string {
  const { repository, version } = sidecarRequest();
  return lock?.sidecar === undefined
    ? `${registry}/${repository}:${version}`
    : `${registry}/${repository}@${lock.sidecar.digest}`;
}

/** The desired state of one environment (optionally of an earlier lock, for rollback). */
export function stateOf(loaded: LoadedWarehouse, env: string, lock?: Lock): DesiredState {
  const environment = loaded.warehouse.environments[env];
  return desiredState(
    loaded,
    env,
    sidecarImage(environment?.registry ?? '', lock ?? loaded.lock),
    lock ? { lock } : {},
  );
}

/** The driver an environment names. */
export function driverFor(state: DesiredState): DeployDriver {
  const env = state.environment;
  switch (env.driver) {
    case 'docker': {
      // warehouse.yaml accepts only unix:// (validated); DOCKER_HOST must not point elsewhere
      // either, or the deploy would silently go to the local socket instead.
      const fromEnv = process.env.DOCKER_HOST;
      if (env.dockerHost === undefined && fromEnv && !fromEnv.startsWith('unix://')) {
        throw new EnvironmentError(
          `DOCKER_HOST is ${fromEnv}, but the Docker driver talks to an engine on this machine through its unix socket only: it bind-mounts files this machine writes (config, secrets, krb5.conf), which a remote engine cannot see.`,
          {
            hint: `Unset DOCKER_HOST, or set environments.${state.environmentName}.dockerHost to the unix socket, e.g. unix:///var/run/docker.sock.`,
          },
        );
      }
      return new DockerDriver(
        new DockerEngine(
          env.dockerHost?.startsWith('unix://') ? { socketPath: env.dockerHost.slice(7) } : {},
        ),
        // The engine pulls with the credentials the CLI reads for the image's registry.
        { pullAuth: (image) => registryCredentials(image.split('/')[0] ?? '') },
      );
    }
    case 'kubernetes':
      // The cluster from KUBECONFIG (or ~/.kube/config), in the environment's context if set.
      return new KubernetesDriver({
        namespace: env.namespace,
        ...(env.context === undefined ? {} : { context: env.context }),
      });
    default: {
      const never: never = env;
      throw new ConfigError(`Unknown driver in ${JSON.stringify(never)}.`);
    }
  }
}
