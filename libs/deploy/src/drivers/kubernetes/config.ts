import { ConfigError } from '@datakit/errors';
import { cronJobNameOf } from '@datakit/warehouse';
import type { DesiredState } from '../../desired-state.ts';

/** The field manager of every server-side apply: `kubectl` shows it in managedFields. */
export const FIELD_MANAGER = 'datakit';

/** Annotations the driver writes next to the labels of `DEPLOY_LABELS`. */
export const ANNOTATIONS = {
  /** Hash of the rendered CronJob and ConfigMap (lock revision left out): plan's `specHash`. */
  specHash: 'dev.datakit/spec-hash',
  /** The datakit's schedule as warehouse.yaml gives it, or `none` (suspended, on demand). */
  schedule: 'dev.datakit/schedule',
  /** The contract hash from the lock. */
  contractHash: 'dev.datakit/contract-hash',
  /** The full image reference (labels cannot hold it). */
  image: 'dev.datakit/image',
} as const;

/**
 * A schedule that never fires (31 February), used with `suspend: true` for a datakit that has no
 * schedule: the CronJob still exists so `datakit run` can create Jobs from its template.
 */
export const ON_DEMAND_SCHEDULE = '0 0 31 2 *';

/** The port of the sidecar's /healthz and /readyz, which it serves on 127.0.0.1 only. */
export const SIDECAR_HTTP_PORT = 8754;

/** Job limits every CronJob gets. */
export const JOB_LIMITS = {
  /** Retries of a failed run before the Job fails (a datakit run is idempotent). */
  backoffLimit: 2,
  /** A run that takes longer than six hours is killed. */
  activeDeadlineSeconds: 6 * 3600,
  /** A missed start is skipped after five minutes instead of piling up. */
  startingDeadlineSeconds: 300,
  /** Finished Jobs (and their pods, with their logs) are kept a day. */
  ttlSecondsAfterFinished: 86_400,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 3,
  /** How long the sidecar may take to get the first ticket (startup probe period × threshold). */
  ticketStartupSeconds: 120,
} as const;

/** A Kubernetes environment of a desired state with its settings pulled out. */
export interface NormalizedKubernetesConfig {
  namespace: string;
  registry: string;
  context: string | undefined;
  serviceAccount: string | undefined;
  imagePullSecret: string | undefined;
  keytabSecret: string | undefined;
}

/**
 * The Kubernetes settings of a desired state.
 *
 * @throws ConfigError when the state's environment is not a Kubernetes one.
 */
export function kubernetesConfigOf(state: DesiredState): NormalizedKubernetesConfig {
  const { environment } = state;
  if (environment.driver !== 'kubernetes') {
    throw new ConfigError(
      `The environment "${state.environmentName}" of the warehouse "${state.warehouse}" uses the ${environment.driver} driver, not kubernetes.`,
      {
        hint: 'Deploy it with the Docker driver, or choose an environment with driver: kubernetes.',
      },
    );
  }
  return {
    namespace: environment.namespace,
    registry: environment.registry,
    context: environment.context,
    serviceAccount: environment.serviceAccount,
    imagePullSecret: environment.imagePullSecret,
    keytabSecret: environment.keytabSecret,
  };
}

/**
 * The CronJob of a datakit: `<warehouse>-<datakit>`. warehouse.yaml's validation refuses a
 * name too long for a CronJob at the field already; this guards states built otherwise.
 */
export function cronJobName(warehouse: string, datakit: string): string {
  const { name, problem } = cronJobNameOf(warehouse, datakit);
  if (problem !== undefined) {
    throw new ConfigError(`The datakit "${datakit}" of the warehouse "${warehouse}" ${problem}.`, {
      hint: 'Use a shorter warehouse or datakit name.',
    });
  }
  return name;
}

/** The ConfigMap with a datakit's config.json: `<warehouse>-<datakit>-config`. */
export function configMapName(warehouse: string, datakit: string): string {
  return `${cronJobName(warehouse, datakit)}-config`;
}
