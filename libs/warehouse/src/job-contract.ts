// The contract between the processes of a deploy, in one place: what the deploy drivers write
// and mount, and what the datakit runtime and the Kerberos sidecar read. Both drivers, the
// runtime and the Kerberos sidecar (through the `@datakit/warehouse/job-contract` subpath, which
// keeps the rest of this library out of its bundle) take these names from here, so a rename
// that one side misses fails compilation instead of a run.
import { posix } from 'node:path';
import { formatSecretRef } from '@datakit/secrets';
import type { Connection } from './warehouse-schema.ts';

/** Paths inside a datakit or sidecar container, whichever driver runs it. */
export const CONTAINER_PATHS = {
  /** The datakit's bundle and spec (the image's own; never mounted over). */
  app: '/app',
  /** The job's config file and, on Docker, the environment's krb5.conf. */
  configDir: '/etc/datakit',
  configFile: '/etc/datakit/config.json',
  krb5Config: '/etc/datakit/krb5.conf',
  /** The ticket cache the sidecar writes and the datakit reads, and the sidecar's ready file. */
  ticketCacheDir: '/var/run/datakit/krb5',
  ticketCache: 'FILE:/var/run/datakit/krb5/ccache',
  readyFile: '/var/run/datakit/krb5/ready',
  /** An in-memory folder where the sidecar keeps the keytab while kinit reads it (Kubernetes). */
  keytabDir: '/var/run/datakit/keytab',
  /** Where `file:` secret references point: `/run/secrets/<secret>/<key>` in a pod. */
  secretsRoot: '/run/secrets',
  /** On Docker, each secret file of the environment's `secretsDir`, mounted on its own. */
  dockerSecretsDir: '/run/secrets/datakit',
} as const;

/**
 * The path below `CONTAINER_PATHS.dockerSecretsDir` that a `file:` reference names on Docker
 * (the driver mounts the environment's `secretsDir` there one file at a time), or why it names
 * none: a path elsewhere (it would need a mount over a path of the image), or one that leaves
 * the folder (`..`). The Docker driver mounts by it; the CLI reads such a file on this machine
 * by it.
 */
export function dockerSecretFileOf(path: string): { relativePath: string } | string {
  const root = CONTAINER_PATHS.dockerSecretsDir;
  const prefix = `${root}/`;
  const relative = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
  if (
    relative === undefined ||
    relative === '' ||
    posix.normalize(relative) !== relative ||
    relative.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    return `"file:${path}" is not a file below ${root}/, where the Docker driver mounts the environment's secretsDir one file at a time (e.g. file:${root}/warehouse_loader.password)`;
  }
  return { relativePath: relative };
}

/** The folders the platform owns in a container: no host file or setting may point into them. */
export const PLATFORM_PATHS: readonly string[] = [
  CONTAINER_PATHS.app,
  '/var/run/datakit',
  CONTAINER_PATHS.secretsRoot,
  CONTAINER_PATHS.configDir,
];

/**
 * The uid and gid of the datakit base image's user (`datakit`, platform/datakit-base), which the
 * Kerberos sidecar image shares so the ticket cache it writes (0600) is the datakit's.
 */
export const DATAKIT_UID = 10001;

/** The environment variables of a datakit job container. */
export const JOB_ENV = {
  /** Where the config file is (the runtime's `--config` default reads it). */
  config: 'DATAKIT_CONFIG',
  ticketCache: 'KRB5CCNAME',
  krb5Config: 'KRB5_CONFIG',
  delineaBaseUrl: 'DATAKIT_DELINEA_BASE_URL',
  delineaCredentialsFile: 'DATAKIT_DELINEA_CREDENTIALS_FILE',
} as const;

/** The environment variables the Kerberos sidecar reads, by its config field. */
export const SIDECAR_ENV = {
  principal: 'SIDECAR_PRINCIPAL',
  keytab: 'SIDECAR_KEYTAB',
  secretProvider: 'SIDECAR_SECRET_PROVIDER',
  delineaBaseUrl: 'SIDECAR_DELINEA_BASE_URL',
  delineaCredentialsFile: 'SIDECAR_DELINEA_CREDENTIALS_FILE',
  krb5Config: 'SIDECAR_KRB5_CONFIG',
  ccache: 'SIDECAR_CCACHE',
  keytabDir: 'SIDECAR_KEYTAB_DIR',
  allowNonTmpfsKeytab: 'SIDECAR_ALLOW_NON_TMPFS_KEYTAB',
  renewMarginSeconds: 'SIDECAR_RENEW_MARGIN_SECONDS',
  ticketLifetime: 'SIDECAR_TICKET_LIFETIME',
  renewableLifetime: 'SIDECAR_RENEWABLE_LIFETIME',
  readyFile: 'SIDECAR_READY_FILE',
  httpPort: 'SIDECAR_HTTP_PORT',
  cacheUid: 'SIDECAR_CACHE_UID',
  cacheGid: 'SIDECAR_CACHE_GID',
  retryBaseSeconds: 'SIDECAR_RETRY_BASE_SECONDS',
  retryMaxSeconds: 'SIDECAR_RETRY_MAX_SECONDS',
  commandTimeoutSeconds: 'SIDECAR_COMMAND_TIMEOUT_SECONDS',
} as const;

type WriteMode = 'append' | 'replace' | 'merge';

/** A pin's `mode`: one write mode for every table, or per target table. */
export type WriteModeChoice = WriteMode | Readonly<Record<string, WriteMode>>;

/**
 * The config file a datakit container reads (`CONTAINER_PATHS.configFile`), as both drivers
 * write it. The runtime's config schema must accept every such file (checked at compile time
 * in libs/runtime).
 */
export interface DatakitJobConfig {
  source: Connection;
  target: Connection;
  /**
   * The pin's write mode, one or per table; absent: each table's own from its datakit (a mode
   * written here for every pin would override a keyless table's replace with a doubling merge).
   */
  mode?: WriteModeChoice;
  rejectThreshold: number;
  /**
   * The schema the target tables are written to: the pin's targetSchema, else its target
   * connection's schema; absent, each target contract's own (the runtime's default).
   */
  targetSchema?: string;
  /** Written only when the pin sets one (the runtime's default is 0). */
  rejectFloor?: number;
  parameters: Record<string, unknown>;
}

/**
 * The one serializer of a job's config file: secret references as warehouse.yaml writes them
 * (`file:/run/secrets/...`, never a value), keys sorted at every level, two-space indent, a
 * final newline, so the same configuration gives the same bytes on Docker and Kubernetes.
 */
export function serializeJobConfig(config: DatakitJobConfig): string {
  const withRefText = (connection: Connection) => ({
    ...connection,
    password: connection.password === undefined ? undefined : formatSecretRef(connection.password),
  });
  const file = {
    ...config,
    source: withRefText(config.source),
    target: withRefText(config.target),
  };
  return `${JSON.stringify(sortKeys(file), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
