import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '@datakit/errors';
import { DEPLOY_LABELS, type DesiredState } from '../../desired-state.ts';
import type { ApplyResult, DeployDriver, DeployStatus, RunJobOptions } from '../../driver.ts';
import { planChanges, type DeployPlan } from '../../plan.ts';
import { applyManifests } from './apply-manifests.ts';
import { KubernetesClient, type KubernetesClientOptions } from './client.ts';
import { ANNOTATIONS, kubernetesConfigOf } from './config.ts';
import { readActualJobs } from './read-actual-jobs.ts';
import { newest, readStatus } from './read-status.ts';
import { CONTAINERS, renderManifests } from './render.ts';
import { runJob } from './run-job.ts';
import { selectWarehouse } from './select-warehouse.ts';

/** Options of the Kubernetes driver. */
export interface KubernetesDriverOptions extends KubernetesClientOptions {
  /**
   * The namespace `status` and `logs` look in (they get no desired state); `plan`, `apply` and
   * `runJob` use the namespace of the state's environment.
   */
  namespace: string;
  /** How often `runJob` asks whether its Job finished. Default 2000 ms. */
  pollIntervalMs?: number;
}

/**
 * Deploys a warehouse's pins to Kubernetes: one ConfigMap and one CronJob per datakit, applied
 * with server-side apply (field manager `datakit`), pruned by label. Never prints.
 */
export class KubernetesDriver implements DeployDriver {
  readonly #client: KubernetesClient;
  readonly #namespace: string;
  readonly #pollIntervalMs: number;

  constructor(options: KubernetesDriverOptions) {
    this.#client = new KubernetesClient(options);
    this.#namespace = options.namespace;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
  }

  async plan(state: DesiredState): Promise<DeployPlan> {
    const { namespace } = kubernetesConfigOf(state);
    const manifests = renderManifests(state);
    // With Airflow as the scheduler the ConfigMaps are what is deployed (no CronJobs).
    const airflow = state.environment.scheduler === 'airflow';
    const selector = selectWarehouse(state.warehouse);
    const deployed = airflow
      ? await this.#client.listConfigMaps(namespace, selector)
      : await this.#client.listCronJobs(namespace, selector);
    const hashes = new Map(
      manifests
        .filter((m) => m.kind === (airflow ? 'ConfigMap' : 'CronJob'))
        .map((m) => [
          m.metadata!.labels![DEPLOY_LABELS.datakit]!,
          m.metadata!.annotations![ANNOTATIONS.specHash]!,
        ]),
    );
    return planChanges(state, readActualJobs(deployed), (datakit) => hashes.get(datakit) ?? '');
  }

  async apply(
    state: DesiredState,
    options: { dryRun?: boolean; onProgress?: (message: string) => void } = {},
  ): Promise<ApplyResult> {
    const { namespace } = kubernetesConfigOf(state);
    const dryRun = options.dryRun ?? false;
    const plan = await this.plan(state);
    const { applied, pruned } = await applyManifests(this.#client, {
      warehouse: state.warehouse,
      namespace,
      manifests: renderManifests(state),
      plan,
      dryRun,
      onProgress: options.onProgress ?? (() => {}),
    });
    return { plan, applied: [...applied, ...pruned], dryRun };
  }

  async status(warehouse: string, environment: string): Promise<DeployStatus> {
    return readStatus(this.#client, { warehouse, environment, namespace: this.#namespace });
  }

  async logs(
    warehouse: string,
    _environment: string,
    datakit: string,
    tail?: number,
  ): Promise<string> {
    const pods = await this.#client.listPods(this.#namespace, selectWarehouse(warehouse, datakit));
    const pod = newest(pods);
    if (pod === undefined) return '';
    return this.#client.podLog(this.#namespace, pod.metadata!.name!, CONTAINERS.datakit, tail);
  }

  async runJob(state: DesiredState, datakit: string, options: RunJobOptions = {}): Promise<number> {
    if (state.environment.scheduler === 'airflow') {
      throw new ConfigError(
        `The environment "${state.environmentName}" of ${state.warehouse} is scheduled by Airflow, so it has no CronJob to start ${datakit} from.`,
        {
          hint: `Trigger the DAG task in Airflow (\`airflow dags trigger\` or the UI); the DAGs come from \`datakit render ${state.warehouse} --env ${state.environmentName} --format airflow --out <dir>\`.`,
        },
      );
    }
    return runJob(this.#client, {
      state,
      namespace: kubernetesConfigOf(state).namespace,
      datakit,
      options,
      pollIntervalMs: this.#pollIntervalMs,
      now: Date.now,
      sleep: (ms) => delay(ms),
    });
  }
}
