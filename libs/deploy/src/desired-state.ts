import { createHash } from 'node:crypto';
import { ConfigError } from '@datakit/errors';
import { formatReference } from '@datakit/registry';
import type { DatakitJobConfig } from '@datakit/warehouse';
import {
  assertLockInSync,
  assertLockRegistries,
  type Environment,
  resolveEnvironment,
  secretRefsOf,
  targetSchemaOf,
  type LoadedWarehouse,
  type Lock,
} from '@datakit/warehouse';

/** Labels on every deployed object (containers, CronJobs, ConfigMaps), read back by status and plan. */
export const DEPLOY_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  warehouse: 'dev.datakit/warehouse',
  environment: 'dev.datakit/environment',
  datakit: 'dev.datakit/datakit',
  version: 'dev.datakit/version',
  digest: 'dev.datakit/digest',
  lockRevision: 'dev.datakit/lock-revision',
  role: 'dev.datakit/role',
} as const;

/** The config file of a job and a pin's write mode: the job contract's (libs/warehouse). */
export type { DatakitJobConfig, WriteModeChoice } from '@datakit/warehouse';

/** One pinned datakit as it should run. */
export interface DesiredJob {
  datakit: string;
  version: string;
  /** Manifest digest from the lock. */
  digest: string;
  /** `registry/name@sha256:…` in this environment's registry: always by digest. */
  image: string;
  contractHash: string;
  /** Cron schedule (the environment's override, else the pin's), or undefined: run on demand. */
  schedule: string | undefined;
  config: DatakitJobConfig;
  labels: Record<string, string>;
}

/** The Kerberos sidecar every job of the warehouse runs next to. */
export interface DesiredSidecar {
  image: string;
  principal: string;
  /** Secret reference of the keytab (never its bytes). */
  keytab: string;
  krb5Config: string | undefined;
  renewBeforeSeconds: number;
  delinea: { baseUrl: string; credentialsFile: string } | undefined;
  labels: Record<string, string>;
}

/** Everything a driver needs to make an environment match warehouse.yaml and its lock. */
export interface DesiredState {
  warehouse: string;
  /** The warehouse folder; the Docker driver resolves host paths (secretsDir, ...) against it. */
  dir: string;
  environmentName: string;
  environment: Environment;
  /** A short digest of the lock file: which lock a deployed object came from. */
  lockRevision: string;
  /**
   * The Kerberos sidecar, or undefined for a warehouse without a `kerberos` block (no connection
   * logs in with Kerberos): then no sidecar, no ticket cache, and jobs wait for no ticket.
   */
  sidecar: DesiredSidecar | undefined;
  /** Delinea Secret Server, for `delinea:` references of the sidecar and the jobs. */
  delinea: { baseUrl: string; credentialsFile: string } | undefined;
  jobs: DesiredJob[];
}

/**
 * Derives the desired state of one environment from a loaded warehouse. Refuses an unknown
 * environment and a lock that is missing or out of sync (ConfigError, exit 2): nothing is
 * deployed from pins that were never resolved.
 */
export function desiredState(
  loaded: LoadedWarehouse,
  environmentName: string,
  sidecarImage: string,
  options: { lock?: Lock } = {},
): DesiredState {
  const environment = loaded.warehouse.environments[environmentName];
  if (environment === undefined) {
    throw new ConfigError(
      `${loaded.file}: field "environments" has no environment "${environmentName}"; it has ${Object.keys(
        loaded.warehouse.environments,
      )
        .map((e) => `"${e}"`)
        .join(', ')}.`,
    );
  }
  // Connections and the Kerberos identity as this environment overrides them.
  const warehouse = resolveEnvironment(loaded.warehouse, environmentName);
  // A rollback deploys an earlier lock as it was; otherwise the lock must match the pins.
  const lock = options.lock ?? assertLockInSync(loaded);
  if (options.lock !== undefined) {
    assertLockRegistries(warehouse, options.lock, loaded.lockFile, loaded.file);
  }
  const lockRevision = revisionOf(lock);
  // Delinea only where this environment's references use it (a local environment with file
  // references needs no secret store, even when production's are in Delinea).
  const usesDelinea = secretRefsOf(warehouse).some(({ ref }) => ref.kind === 'delinea');
  const delinea = usesDelinea ? warehouse.secrets.delinea : undefined;
  const base = {
    [DEPLOY_LABELS.managedBy]: 'datakit',
    [DEPLOY_LABELS.warehouse]: warehouse.name,
    [DEPLOY_LABELS.environment]: environmentName,
    [DEPLOY_LABELS.lockRevision]: lockRevision,
  };
  const jobs = Object.entries(lock.datakits)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([datakit, entry]): DesiredJob => {
      const pin = warehouse.datakits[datakit];
      if (pin === undefined) {
        throw new ConfigError(
          `${loaded.file}: field "datakits" no longer has "${datakit}", which the lock being deployed pins; its connections and schedule are unknown.`,
        );
      }
      const source = warehouse.connections[pin.source]!;
      const target = warehouse.connections[pin.target]!;
      const targetSchema = targetSchemaOf(warehouse, datakit);
      return {
        datakit,
        version: entry.version,
        digest: entry.digest,
        image: formatReference({
          registry: environment.registry,
          repository: datakit,
          digest: entry.digest,
        }),
        contractHash: entry.contractHash,
        schedule: environment.schedules[datakit] ?? pin.schedule,
        config: {
          source,
          target,
          ...(pin.mode === undefined ? {} : { mode: pin.mode }),
          rejectThreshold: pin.rejectThreshold,
          ...(targetSchema === undefined ? {} : { targetSchema }),
          ...(pin.rejectFloor === 0 ? {} : { rejectFloor: pin.rejectFloor }),
          parameters: pin.parameters,
        },
        labels: {
          ...base,
          [DEPLOY_LABELS.role]: 'datakit',
          [DEPLOY_LABELS.datakit]: datakit,
          [DEPLOY_LABELS.version]: entry.version,
          [DEPLOY_LABELS.digest]: entry.digest.replace('sha256:', '').slice(0, 63),
        },
      };
    });
  return {
    warehouse: warehouse.name,
    dir: loaded.dir,
    environmentName,
    environment,
    lockRevision,
    sidecar:
      warehouse.kerberos === undefined
        ? undefined
        : {
            image: sidecarImage,
            principal: warehouse.kerberos.principal,
            keytab: refText(warehouse.kerberos.keytab),
            krb5Config: warehouse.kerberos.krb5Config,
            renewBeforeSeconds: warehouse.kerberos.renewBeforeSeconds,
            delinea,
            labels: { ...base, [DEPLOY_LABELS.role]: 'kerberos-sidecar' },
          },
    delinea,
    jobs,
  };
}

/** A 12-hex digest of a lock's content (key order independent of the file's formatting). */
export function revisionOf(lock: Lock): string {
  const { $schema: _schema, ...content } = lock;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 12);
}

function refText(ref: unknown): string {
  if (typeof ref === 'string') return ref;
  const r = ref as {
    kind: string;
    path?: string;
    name?: string;
    secretId?: number;
    field?: string;
  };
  if (r.kind === 'file') return `file:${r.path}`;
  if (r.kind === 'env') return `env:${r.name}`;
  return `delinea:${r.secretId}/${r.field}`;
}
