import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1Container,
  V1CronJob,
  V1EnvVar,
  V1PodSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { ConfigError } from '@datakit/errors';
import {
  CONTAINER_PATHS,
  DATAKIT_UID,
  JOB_ENV,
  SIDECAR_ENV,
  serializeJobConfig,
} from '@datakit/warehouse';
import { stringify } from 'yaml';
import { CONTAINER_LIMITS } from '../../container-security.ts';
import {
  DEPLOY_LABELS,
  type DesiredJob,
  type DesiredSidecar,
  type DesiredState,
} from '../../desired-state.ts';
import {
  ANNOTATIONS,
  configMapName,
  cronJobName,
  JOB_LIMITS,
  kubernetesConfigOf,
  ON_DEMAND_SCHEDULE,
  SIDECAR_HTTP_PORT,
  type NormalizedKubernetesConfig,
} from './config.ts';
import {
  mapDatakitSecrets,
  mapSidecarSecrets,
  secretVolumeName,
  type SecretFiles,
  type SidecarSecrets,
} from './map-secret-refs.ts';

/** One rendered object: a datakit's ConfigMap or its CronJob. */
export type Manifest = V1ConfigMap | V1CronJob;

/** Container names inside every datakit pod. */
export const CONTAINERS = { sidecar: 'kerberos-sidecar', datakit: 'datakit' } as const;

/** Volume names inside every datakit pod. */
const VOLUMES = {
  krb5: 'krb5-ticket-cache',
  keytab: 'keytab-scratch',
  config: 'datakit-config',
  tmp: 'tmp',
} as const;

const PERIOD_SECONDS = 2;

/**
 * The objects that run a warehouse's pinned datakits in one Kubernetes environment, in apply
 * order: per datakit (in name order) its ConfigMap, then its CronJob. Nothing else: the
 * namespace, the service account, the image pull Secret and the Secrets that references name
 * are referenced, never created. Same state in, same objects (and key order) out. An environment
 * whose `scheduler` is `airflow` gets the ConfigMaps only.
 *
 * @throws ConfigError when the environment is not Kubernetes or a secret reference cannot be
 *   mounted (see README.md, "Secrets").
 */
export function renderManifests(state: DesiredState): Manifest[] {
  const config = kubernetesConfigOf(state);
  const sidecar = mapSidecarSecrets(state, config);
  return state.jobs.flatMap((job) => {
    const configMap = renderConfigMap(state, config, job);
    const cronJob = renderCronJob(state, config, sidecar, job);
    const specHash = specHashOf(configMap, cronJob);
    if (state.environment.scheduler === 'airflow') {
      // Airflow starts the pods (the DAGs of `render --format airflow`): no CronJob, so nothing
      // runs twice; the ConfigMap the pod mounts carries what plan reads back instead.
      configMap.metadata!.annotations = {
        [ANNOTATIONS.schedule]: job.schedule ?? 'none',
        [ANNOTATIONS.specHash]: specHash,
      };
      return [configMap];
    }
    cronJob.metadata!.annotations![ANNOTATIONS.specHash] = specHash;
    return [configMap, cronJob];
  });
}

/**
 * The pod template of one pinned datakit: the pod its CronJob's Jobs run (labels, the Kerberos
 * sidecar as a native sidecar, volumes, images by digest, Secret references), whatever the
 * environment's scheduler. The Airflow renderer hands it to a KubernetesPodOperator.
 */
export function renderPodTemplate(
  state: DesiredState,
  datakit: string,
): { labels: Record<string, string>; spec: V1PodSpec } {
  const config = kubernetesConfigOf(state);
  const job = state.jobs.find((j) => j.datakit === datakit);
  if (job === undefined) {
    throw new ConfigError(
      `The warehouse "${state.warehouse}" does not pin "${datakit}"; it pins ${state.jobs.map((j) => `"${j.datakit}"`).join(', ')}.`,
    );
  }
  const template = renderCronJob(state, config, mapSidecarSecrets(state, config), job).spec!
    .jobTemplate.spec!.template;
  return { labels: template.metadata!.labels!, spec: template.spec! };
}

/**
 * The manifests as one multi-document YAML string for GitOps: a header comment naming the
 * warehouse, environment and lock revision, then one document per object. Deterministic.
 */
export function renderYaml(state: DesiredState): string {
  const header = [
    `# Rendered by \`datakit render ${state.warehouse} --env ${state.environmentName}\`; do not edit.`,
    `# Warehouse ${state.warehouse}, environment ${state.environmentName}, lock revision ${state.lockRevision}.`,
  ].join('\n');
  const documents = renderManifests(state).map(
    (manifest) =>
      `---\n${stringify(manifest, {
        lineWidth: 0,
        aliasDuplicateObjects: false,
        // The repository's Prettier style, so `prettier --check` leaves golden files alone.
        singleQuote: true,
      })}`,
  );
  return `${header}\n${documents.join('')}`;
}

/**
 * The hash plan compares (`ActualJob.specHash`): the ConfigMap and the CronJob without the
 * lock revision (which changes when any other datakit is re-pinned) and without the hash itself.
 */
export function specHashOf(configMap: V1ConfigMap, cronJob: V1CronJob): string {
  const text = JSON.stringify([configMap, cronJob], (key, value: unknown) =>
    key === DEPLOY_LABELS.lockRevision || key === ANNOTATIONS.specHash ? undefined : value,
  );
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function renderConfigMap(
  state: DesiredState,
  config: NormalizedKubernetesConfig,
  job: DesiredJob,
): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(state.warehouse, job.datakit),
      namespace: config.namespace,
      labels: sorted(job.labels),
    },
    data: { 'config.json': serializeJobConfig(job.config) },
  };
}

function renderCronJob(
  state: DesiredState,
  config: NormalizedKubernetesConfig,
  sidecarSecrets: SidecarSecrets | undefined,
  job: DesiredJob,
): V1CronJob {
  const labels = sorted(job.labels);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: cronJobName(state.warehouse, job.datakit),
      namespace: config.namespace,
      labels,
      annotations: {
        [ANNOTATIONS.contractHash]: job.contractHash,
        [ANNOTATIONS.image]: job.image,
        [ANNOTATIONS.schedule]: job.schedule ?? 'none',
        [ANNOTATIONS.specHash]: '',
      },
    },
    spec: {
      schedule: job.schedule ?? ON_DEMAND_SCHEDULE,
      timeZone: 'Etc/UTC',
      suspend: job.schedule === undefined,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: JOB_LIMITS.startingDeadlineSeconds,
      successfulJobsHistoryLimit: JOB_LIMITS.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: JOB_LIMITS.failedJobsHistoryLimit,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: JOB_LIMITS.backoffLimit,
          activeDeadlineSeconds: JOB_LIMITS.activeDeadlineSeconds,
          ttlSecondsAfterFinished: JOB_LIMITS.ttlSecondsAfterFinished,
          template: {
            metadata: { labels },
            spec: renderPodSpec(state, config, sidecarSecrets, job),
          },
        },
      },
    },
  };
}

function renderPodSpec(
  state: DesiredState,
  config: NormalizedKubernetesConfig,
  sidecarSecrets: SidecarSecrets | undefined,
  job: DesiredJob,
): V1PodSpec {
  const datakitSecrets = mapDatakitSecrets(state, job);
  // Without a kerberos block: no sidecar, no ticket cache, nothing of Kerberos in the pod.
  const sidecar = state.sidecar;
  return {
    ...(config.serviceAccount === undefined ? {} : { serviceAccountName: config.serviceAccount }),
    // Neither container talks to the Kubernetes API.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    restartPolicy: 'Never',
    securityContext: {
      runAsNonRoot: true,
      runAsUser: DATAKIT_UID,
      runAsGroup: DATAKIT_UID,
      fsGroup: DATAKIT_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(config.imagePullSecret === undefined
      ? {}
      : { imagePullSecrets: [{ name: config.imagePullSecret }] }),
    ...(sidecar === undefined || sidecarSecrets === undefined
      ? {}
      : { initContainers: [renderSidecar(state, sidecar, sidecarSecrets)] }),
    containers: [
      {
        name: CONTAINERS.datakit,
        image: job.image,
        imagePullPolicy: 'IfNotPresent',
        args: ['run'],
        env: [
          { name: JOB_ENV.config, value: CONTAINER_PATHS.configFile },
          ...(sidecar === undefined
            ? []
            : [
                { name: JOB_ENV.ticketCache, value: CONTAINER_PATHS.ticketCache },
                ...krb5ConfigEnv(JOB_ENV.krb5Config, sidecar.krb5Config),
              ]),
          ...(datakitSecrets.delinea === undefined
            ? []
            : [
                { name: JOB_ENV.delineaBaseUrl, value: datakitSecrets.delinea.baseUrl },
                {
                  name: JOB_ENV.delineaCredentialsFile,
                  value: datakitSecrets.delinea.credentialsFile,
                },
              ]),
        ],
        resources: {
          requests: { cpu: '250m', memory: '256Mi' },
          limits: { memory: CONTAINER_LIMITS.datakitMemory },
        },
        securityContext: containerSecurityContext(),
        volumeMounts: [
          { name: VOLUMES.config, mountPath: CONTAINER_PATHS.configDir, readOnly: true },
          // Read-only: only the sidecar writes the ticket cache.
          ...(sidecar === undefined
            ? []
            : [{ name: VOLUMES.krb5, mountPath: CONTAINER_PATHS.ticketCacheDir, readOnly: true }]),
          { name: VOLUMES.tmp, mountPath: '/tmp' },
          ...secretMounts('datakit', datakitSecrets.files),
        ],
      },
    ],
    volumes: [
      ...(sidecar === undefined
        ? []
        : [
            { name: VOLUMES.krb5, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
            { name: VOLUMES.keytab, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
          ]),
      {
        name: VOLUMES.config,
        configMap: {
          name: configMapName(state.warehouse, job.datakit),
          items: [{ key: 'config.json', path: 'config.json' }],
          defaultMode: 0o444,
        },
      },
      { name: VOLUMES.tmp, emptyDir: { sizeLimit: '256Mi' } },
      ...secretVolumes('sidecar', sidecarSecrets?.files ?? []),
      ...secretVolumes('datakit', datakitSecrets.files),
    ],
  };
}

/**
 * The Kerberos sidecar as a native sidecar: an init container with `restartPolicy: Always`
 * keeps running next to the datakit and is stopped when it finishes. Its startup probe holds
 * the datakit back until the ready file exists, which the sidecar writes only while the cache
 * holds a valid ticket. The probe is `exec`, not `httpGet`: /readyz listens on 127.0.0.1 and
 * the kubelet probes the pod IP.
 */
function renderSidecar(
  state: DesiredState,
  sidecar: DesiredSidecar,
  secrets: SidecarSecrets,
): V1Container {
  const env: V1EnvVar[] = [
    { name: SIDECAR_ENV.principal, value: sidecar.principal },
    { name: SIDECAR_ENV.keytab, value: secrets.keytab },
    ...(secrets.delinea === undefined
      ? []
      : [
          { name: SIDECAR_ENV.delineaBaseUrl, value: secrets.delinea.baseUrl },
          {
            name: SIDECAR_ENV.delineaCredentialsFile,
            value: secrets.delinea.credentialsFile,
          },
        ]),
    ...krb5ConfigEnv(SIDECAR_ENV.krb5Config, sidecar.krb5Config),
    { name: SIDECAR_ENV.ccache, value: CONTAINER_PATHS.ticketCache },
    { name: SIDECAR_ENV.readyFile, value: CONTAINER_PATHS.readyFile },
    { name: SIDECAR_ENV.keytabDir, value: CONTAINER_PATHS.keytabDir },
    { name: SIDECAR_ENV.renewMarginSeconds, value: String(sidecar.renewBeforeSeconds) },
    { name: SIDECAR_ENV.httpPort, value: String(SIDECAR_HTTP_PORT) },
    { name: SIDECAR_ENV.cacheUid, value: String(DATAKIT_UID) },
    { name: SIDECAR_ENV.cacheGid, value: String(DATAKIT_UID) },
  ];
  return {
    name: CONTAINERS.sidecar,
    image: sidecar.image,
    imagePullPolicy: 'IfNotPresent',
    restartPolicy: 'Always',
    args: ['run'],
    env,
    startupProbe: {
      exec: { command: ['test', '-f', CONTAINER_PATHS.readyFile] },
      periodSeconds: PERIOD_SECONDS,
      timeoutSeconds: 1,
      failureThreshold: JOB_LIMITS.ticketStartupSeconds / PERIOD_SECONDS,
    },
    resources: {
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { memory: CONTAINER_LIMITS.sidecarMemory },
    },
    securityContext: containerSecurityContext(),
    volumeMounts: [
      { name: VOLUMES.krb5, mountPath: CONTAINER_PATHS.ticketCacheDir },
      { name: VOLUMES.keytab, mountPath: CONTAINER_PATHS.keytabDir },
      ...secretMounts('sidecar', secrets.files),
    ],
  };
}

function containerSecurityContext(): V1Container['securityContext'] {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

function krb5ConfigEnv(name: string, path: string | undefined): V1EnvVar[] {
  return path === undefined ? [] : [{ name, value: path }];
}

function secretVolumes(role: 'sidecar' | 'datakit', files: SecretFiles[]): V1Volume[] {
  return files.map(({ secret, keys }) => ({
    name: secretVolumeName(role, secret),
    secret: {
      secretName: secret,
      items: keys.map((key) => ({ key, path: key })),
      // Readable by the pod's fsGroup (the datakit user), by no one else.
      defaultMode: 0o440,
    },
  }));
}

function secretMounts(role: 'sidecar' | 'datakit', files: SecretFiles[]): V1VolumeMount[] {
  return files.map(({ secret }) => ({
    name: secretVolumeName(role, secret),
    mountPath: `${CONTAINER_PATHS.secretsRoot}/${secret}`,
    readOnly: true,
  }));
}

function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}
