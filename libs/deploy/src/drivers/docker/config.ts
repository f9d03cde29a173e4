import { createHash } from 'node:crypto';
import { resolve, join } from 'node:path';
import type { BindMount, ContainerHardening, ContainerSpec } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import {
  CONTAINER_PATHS,
  DATAKIT_UID,
  JOB_ENV,
  SIDECAR_ENV,
  memoryBytesOf,
  serializeJobConfig,
} from '@datakit/warehouse';
import { CONTAINER_LIMITS } from '../../container-security.ts';
import { DEPLOY_LABELS, type DesiredJob, type DesiredState } from '../../desired-state.ts';
import { jobSecretFiles, secretMounts, sidecarSecretFiles } from './map-secret-files.ts';

/** The label holding the driver's hash of a job's desired spec (for plan). */
export const SPEC_LABEL = 'dev.datakit/spec';
/** The label holding a job's schedule (Docker has no scheduler; status and plan show it). */
export const SCHEDULE_LABEL = 'dev.datakit/schedule';

/** Names of the Docker objects of one warehouse environment. */
export function dockerNames(warehouse: string, environment: string) {
  const prefix = `datakit-${warehouse}-${environment}`;
  return {
    sidecar: `${prefix}-kerberos`,
    ticketVolume: `${prefix}-krb5`,
    job: (datakit: string) => `${prefix}-${datakit}`,
  };
}

/** Host-side settings of a Docker environment, resolved against the warehouse folder. */
export interface DockerHostPaths {
  /** Folder whose secret files are mounted below /run/secrets/datakit, one by one, if any. */
  secretsDir: string | undefined;
  /** Host krb5.conf mounted at {@link CONTAINER_PATHS}.krb5Config, if any. */
  krb5ConfigFile: string | undefined;
  /** The folders host paths may lie in: the warehouse folder, then the environment's hostRoots. */
  hostRoots: string[];
  /** Where the driver writes each job's config file (git-ignored `.datakit/<env>/`). */
  stateDir: string;
}

/** Resolves the Docker environment's host paths. */
export function hostPaths(state: DesiredState): DockerHostPaths {
  const env = state.environment;
  if (env.driver !== 'docker') {
    throw new ConfigError(
      `Environment "${state.environmentName}" uses the ${env.driver} driver, not docker.`,
    );
  }
  return {
    secretsDir: env.secretsDir === undefined ? undefined : resolve(state.dir, env.secretsDir),
    krb5ConfigFile:
      env.krb5ConfigFile === undefined ? undefined : resolve(state.dir, env.krb5ConfigFile),
    hostRoots: [resolve(state.dir), ...env.hostRoots.map((root) => resolve(state.dir, root))],
    stateDir: join(state.dir, '.datakit', state.environmentName),
  };
}

/**
 * The Kerberos sidecar container of a warehouse environment (long-running), or undefined for a
 * warehouse without a `kerberos` block, which runs none.
 */
export function sidecarSpec(
  state: DesiredState,
  paths: DockerHostPaths,
): (ContainerSpec & { name: string }) | undefined {
  const sidecar = state.sidecar;
  if (sidecar === undefined) return undefined;
  const names = dockerNames(state.warehouse, state.environmentName);
  const krb5Config = krb5ConfigOf(state, paths);
  const env: Record<string, string> = {
    [SIDECAR_ENV.principal]: sidecar.principal,
    [SIDECAR_ENV.keytab]: sidecar.keytab,
    [SIDECAR_ENV.ccache]: CONTAINER_PATHS.ticketCache,
    [SIDECAR_ENV.readyFile]: CONTAINER_PATHS.readyFile,
    [SIDECAR_ENV.renewMarginSeconds]: String(sidecar.renewBeforeSeconds),
    // Host networking: two warehouses' sidecars would fight over a port; readiness is the file.
    [SIDECAR_ENV.httpPort]: '0',
  };
  if (krb5Config !== undefined) env[SIDECAR_ENV.krb5Config] = krb5Config;
  if (sidecar.delinea) {
    env[SIDECAR_ENV.delineaBaseUrl] = sidecar.delinea.baseUrl;
    env[SIDECAR_ENV.delineaCredentialsFile] = sidecar.delinea.credentialsFile;
  }
  return {
    name: names.sidecar,
    image: sidecar.image,
    env,
    binds: [`${names.ticketVolume}:${CONTAINER_PATHS.ticketCacheDir}`],
    // The keytab (or the Delinea credentials) only: never a connection's password.
    mounts: [
      ...(paths.secretsDir ? secretMounts(paths.secretsDir, sidecarSecretFiles(state)) : []),
      ...krb5Mount(state, paths),
    ],
    // The keytab is written to /dev/shm only (memory); nothing else is writable but the cache
    // and a small /tmp (the image's file system is read-only).
    tmpfs: { '/dev/shm': 'size=1m,mode=1777', '/tmp': 'size=1m,mode=1777' },
    labels: sidecar.labels,
    networkMode: state.environment.driver === 'docker' ? state.environment.network : 'host',
    user: CONTAINER_USER,
    // Restarted by the engine when it fails or the engine restarts, until deploy removes it.
    hardening: hardening(
      memoryBytesOf(CONTAINER_LIMITS.sidecarMemory),
      CONTAINER_LIMITS.sidecarPids,
      'unless-stopped',
    ),
  };
}

/** A datakit job container: created by deploy, started by `datakit run`. */
export function jobSpec(
  state: DesiredState,
  job: DesiredJob,
  paths: DockerHostPaths,
): ContainerSpec & { name: string } {
  const names = dockerNames(state.warehouse, state.environmentName);
  const krb5Config = krb5ConfigOf(state, paths);
  const limits = dockerLimitsOf(state);
  // Without a kerberos block: no ticket cache, no krb5.conf, nothing of Kerberos at all.
  const kerberos = state.sidecar !== undefined;
  const spec: ContainerSpec & { name: string } = {
    name: names.job(job.datakit),
    image: job.image,
    cmd: ['run'],
    env: {
      [JOB_ENV.config]: CONTAINER_PATHS.configFile,
      ...(kerberos ? { [JOB_ENV.ticketCache]: CONTAINER_PATHS.ticketCache } : {}),
      ...(krb5Config === undefined ? {} : { [JOB_ENV.krb5Config]: krb5Config }),
    },
    // The datakit reads the ticket cache; only the sidecar writes it.
    binds: kerberos ? [`${names.ticketVolume}:${CONTAINER_PATHS.ticketCacheDir}:ro`] : [],
    mounts: [
      { source: configFile(paths, job), target: CONTAINER_PATHS.configFile, readOnly: true },
      // Its own connections' secret files only: never the keytab, never another's password.
      ...(paths.secretsDir ? secretMounts(paths.secretsDir, jobSecretFiles(state, job)) : []),
      ...krb5Mount(state, paths),
    ],
    // Scratch space like the pod's /tmp emptyDir: the image's file system is read-only.
    tmpfs: { '/tmp': 'size=256m,mode=1777' },
    networkMode: state.environment.driver === 'docker' ? state.environment.network : 'host',
    user: CONTAINER_USER,
    // A job runs on demand (`datakit run`): the engine never restarts it by itself.
    hardening: hardening(memoryBytesOf(limits.memory), limits.pids, 'no'),
    labels: {},
  };
  spec.labels = {
    ...job.labels,
    ...(job.schedule ? { [SCHEDULE_LABEL]: job.schedule } : {}),
    [SPEC_LABEL]: jobSpecHash(state, job),
  };
  return spec;
}

/** The user every container runs as: the images' own non-root user, said explicitly. */
const CONTAINER_USER = `${DATAKIT_UID}:${DATAKIT_UID}`;

/**
 * How every container is confined, as the Kubernetes securityContext does it: the image's file
 * system read-only, no capability, no privilege gained through setuid binaries, and limits.
 */
function hardening(
  memoryBytes: number,
  pidsLimit: number,
  restartPolicy: ContainerHardening['restartPolicy'],
): ContainerHardening {
  return {
    readOnlyRootFilesystem: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    memoryBytes,
    pidsLimit,
    restartPolicy,
  };
}

function dockerLimitsOf(state: DesiredState): { memory: string; pids: number } {
  const env = state.environment;
  return env.driver === 'docker'
    ? env.limits
    : { memory: CONTAINER_LIMITS.datakitMemory, pids: 256 };
}

/**
 * The krb5.conf the containers use (KRB5_CONFIG): the environment's `krb5ConfigFile`, mounted at
 * the driver's own path; otherwise `kerberos.krb5Config`, a path inside the images; otherwise
 * none (the images' default).
 */
function krb5ConfigOf(state: DesiredState, paths: DockerHostPaths): string | undefined {
  if (state.sidecar === undefined) return undefined;
  return paths.krb5ConfigFile !== undefined ? CONTAINER_PATHS.krb5Config : state.sidecar.krb5Config;
}

function krb5Mount(state: DesiredState, paths: DockerHostPaths): BindMount[] {
  return paths.krb5ConfigFile === undefined || state.sidecar === undefined
    ? []
    : [{ source: paths.krb5ConfigFile, target: CONTAINER_PATHS.krb5Config, readOnly: true }];
}

/**
 * The host file holding a job's configuration, named after its content: a new configuration is
 * a new file, so the container it replaces keeps reading its own until the swap (a deploy that
 * fails leaves the running one untouched).
 */
export function configFile(paths: DockerHostPaths, job: DesiredJob): string {
  const digest = createHash('sha256').update(configJson(job)).digest('hex').slice(0, 12);
  return join(paths.stateDir, `${job.datakit}.config.${digest}.json`);
}

/** The bytes of a job's configuration file: the job contract's one serializer. */
export function configJson(job: DesiredJob): string {
  return serializeJobConfig(job.config);
}

/**
 * A hash of everything about a job that is not its version: configuration, sidecar, network.
 * A change here shows in the plan as "configuration".
 */
export function jobSpecHash(state: DesiredState, job: DesiredJob): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        configJson(job),
        // A warehouse without Kerberos hashes nulls here: no sidecar.
        state.sidecar?.image ?? null,
        state.sidecar?.principal ?? null,
        state.sidecar?.keytab ?? null,
        state.environment,
        // The confinement: a container made before it was hardened shows as a change.
        CONTAINER_USER,
        CONTAINER_LIMITS,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
}

/** Labels that select every object of one warehouse environment. */
export function environmentSelector(
  warehouse: string,
  environment: string,
): Record<string, string> {
  return { [DEPLOY_LABELS.warehouse]: warehouse, [DEPLOY_LABELS.environment]: environment };
}
