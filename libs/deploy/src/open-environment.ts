// One environment of a warehouse, opened for a deploy: its desired state (with the Kerberos
// sidecar image the lock pinned) and the driver its `driver` field names.
import { DockerEngine, dockerSocketPath, type PullAuth } from '@datakit/docker';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { formatReference, parseReference } from '@datakit/registry';
import type { SidecarRequest } from '@datakit/pins';
import type { LoadedWarehouse, Lock } from '@datakit/warehouse';
import { desiredState, type DesiredState } from './desired-state.ts';
import type { DeployDriver } from './driver.ts';
import { DockerDriver } from './drivers/docker/index.ts';
import { KubernetesDriver } from './drivers/kubernetes/index.ts';

/** What only the caller knows of where a deploy runs from (the CLI: this repository). */
export interface DeployContext {
  /**
   * The Kerberos sidecar of this repository (`platform/kerberos-sidecar`): the image a lock
   * from before sidecars were locked names by tag, e.g. `{repository: 'kerberos-sidecar',
   * version: '1.0.2'}`.
   */
  sidecar: SidecarRequest;
  /**
   * The credentials the Docker engine pulls an image with, for the image's registry host (e.g.
   * `127.0.0.1:5000`); undefined: anonymous.
   */
  registryCredentials: (host: string) => Promise<PullAuth | undefined>;
  /** Where `DOCKER_HOST` is read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The driver to use instead of the one the environment names (a test's stand-in); default
   * {@link environmentDriver}.
   */
  driverFor?: (state: DesiredState) => DeployDriver;
}

/** An environment of a warehouse, ready to plan, apply or run. */
export interface OpenedEnvironment {
  /** What should run: warehouse.yaml and the lock, for this environment. */
  state: DesiredState;
  /** The driver the environment names (or the context's stand-in). */
  driver: DeployDriver;
}

/**
 * The sidecar image of an environment's registry: by the digest the lock pinned (`pin`
 * resolves it with the datakits); a lock from before sidecars were locked gives the version tag
 * of `sidecar`, which a deploy refuses (and `verify` reports).
 */
export function sidecarImage(registry: string, sidecar: SidecarRequest, lock?: Lock): string {
  return formatReference(
    lock?.sidecar === undefined
      ? { registry, repository: sidecar.repository, tag: sidecar.version }
      : { registry, repository: sidecar.repository, digest: lock.sidecar.digest },
  );
}

/**
 * The desired state of one environment of a warehouse, with the warehouse's lock or, for a
 * rollback, an earlier one.
 *
 * @throws ConfigError for an unknown environment or a lock that is missing or out of sync.
 */
export function environmentState(
  loaded: LoadedWarehouse,
  environment: string,
  options: { sidecar: SidecarRequest; lock?: Lock | undefined },
): DesiredState {
  const registry = loaded.warehouse.environments[environment]?.registry ?? '';
  const lock = options.lock ?? loaded.lock;
  return desiredState(
    loaded,
    environment,
    sidecarImage(registry, options.sidecar, lock),
    options.lock === undefined ? {} : { lock: options.lock },
  );
}

/**
 * The driver an environment names: Docker through the environment's `dockerHost` (else the
 * local socket), pulling with `registryCredentials`; Kubernetes in the cluster of `KUBECONFIG`
 * (or ~/.kube/config), in the environment's context when it names one.
 *
 * @throws EnvironmentError when `DOCKER_HOST` names no unix socket and the environment sets
 *   no `dockerHost`: the deploy would otherwise go to the local socket without a word.
 */
export function environmentDriver(
  state: DesiredState,
  context: Pick<DeployContext, 'registryCredentials' | 'env'>,
): DeployDriver {
  const env = state.environment;
  switch (env.driver) {
    case 'docker': {
      // warehouse.yaml accepts only unix:// (validated); DOCKER_HOST must not point elsewhere
      // either, or the deploy would silently go to the local socket instead.
      const fromEnv = (context.env ?? process.env).DOCKER_HOST;
      if (env.dockerHost === undefined && fromEnv && !fromEnv.startsWith('unix://')) {
        throw new EnvironmentError(
          `DOCKER_HOST is ${fromEnv}, but the Docker driver talks to an engine on this machine through its unix socket only: it bind-mounts files this machine writes (config, secrets, krb5.conf), which a remote engine cannot see.`,
          {
            hint: `Unset DOCKER_HOST, or set environments.${state.environmentName}.dockerHost to the unix socket, e.g. unix:///var/run/docker.sock.`,
          },
        );
      }
      return new DockerDriver(
        new DockerEngine({ socketPath: dockerSocketPath(env.dockerHost, context.env) }),
        {
          // The registry host the image names (none: anonymous, as Docker Hub's official images).
          pullAuth: (image) => {
            const host = parseReference(image).registry;
            return host === undefined
              ? Promise.resolve(undefined)
              : context.registryCredentials(host);
          },
        },
      );
    }
    case 'kubernetes':
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

/**
 * Opens one environment of a warehouse: its desired state (of `lock` when given, for a
 * rollback) and its driver.
 *
 * @example
 * const { state, driver } = openEnvironment(loaded, 'local', { sidecar, registryCredentials });
 * const status = await driver.status(state.warehouse, 'local');
 */
export function openEnvironment(
  loaded: LoadedWarehouse,
  environment: string,
  context: DeployContext & { lock?: Lock },
): OpenedEnvironment {
  const state = environmentState(loaded, environment, context);
  return { state, driver: driverOf(state, context) };
}

/** The context's driver for a state, else the environment's. */
export function driverOf(state: DesiredState, context: DeployContext): DeployDriver {
  return context.driverFor?.(state) ?? environmentDriver(state, context);
}
