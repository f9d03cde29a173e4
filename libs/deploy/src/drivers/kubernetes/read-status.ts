import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { DEPLOY_LABELS } from '../../desired-state.ts';
import type { DeployStatus, JobStatus } from '../../driver.ts';
import type { KubernetesClient } from './client.ts';
import { CONTAINERS } from './render.ts';
import { readActualJobs } from './read-actual-jobs.ts';
import { selectWarehouse } from './select-warehouse.ts';

/**
 * The status of a warehouse in one namespace: per CronJob its pin and the outcome of its most
 * recent Job; the sidecar of a running pod, if any (in Kubernetes each run has its own).
 */
export async function readStatus(
  client: KubernetesClient,
  input: { warehouse: string; environment: string; namespace: string },
): Promise<DeployStatus> {
  const selector = selectWarehouse(input.warehouse);
  const [cronJobs, jobs, pods] = await Promise.all([
    client.listCronJobs(input.namespace, selector),
    client.listJobs(input.namespace, selector),
    client.listPods(input.namespace, selector),
  ]);
  const actual = readActualJobs(cronJobs);
  const statuses = actual.map((job): JobStatus => {
    const cronJob = cronJobs.find(
      (c) => c.metadata?.labels?.[DEPLOY_LABELS.datakit] === job.datakit,
    );
    const latest = newest(jobs.filter((j) => labelOf(j, DEPLOY_LABELS.datakit) === job.datakit));
    const pod = latest === undefined ? undefined : newest(podsOf(pods, latest));
    return {
      datakit: job.datakit,
      version: job.version,
      digest: job.digest,
      schedule: job.schedule,
      state: stateOf(latest, cronJob?.spec?.suspend === true),
      lastRun:
        latest === undefined
          ? undefined
          : {
              startedAt: toIso(latest.status?.startTime),
              exitCode: pod?.status?.containerStatuses?.find((s) => s.name === CONTAINERS.datakit)
                ?.state?.terminated?.exitCode,
            },
    };
  });
  const running = pods.find((pod) => pod.status?.phase === 'Running');
  const sidecar = running?.status?.initContainerStatuses?.find(
    (s) => s.name === CONTAINERS.sidecar,
  );
  return {
    warehouse: input.warehouse,
    environment: input.environment,
    lockRevision: actual[0]?.lockRevision,
    sidecar:
      sidecar === undefined
        ? undefined
        : {
            state: sidecar.state?.running ? 'running' : 'waiting',
            ready: sidecar.started ?? false,
          },
    jobs: statuses,
  };
}

function stateOf(job: V1Job | undefined, suspended: boolean): string {
  if (job === undefined) return suspended ? 'idle' : 'scheduled';
  if ((job.status?.active ?? 0) > 0) return 'running';
  if ((job.status?.succeeded ?? 0) > 0) return 'succeeded';
  if ((job.status?.failed ?? 0) > 0) return 'failed';
  return 'running';
}

/** The pods a Job created (the Job controller labels them with the Job's name). */
export function podsOf(pods: V1Pod[], job: V1Job): V1Pod[] {
  const name = job.metadata?.name;
  return pods.filter(
    (pod) =>
      pod.metadata?.labels?.['batch.kubernetes.io/job-name'] === name ||
      pod.metadata?.labels?.['job-name'] === name,
  );
}

/** The most recently created object. */
export function newest<T extends { metadata?: { creationTimestamp?: Date | string } }>(
  items: T[],
): T | undefined {
  return [...items].sort((a, b) => time(b) - time(a))[0];
}

function time(item: { metadata?: { creationTimestamp?: Date | string } }): number {
  const created = item.metadata?.creationTimestamp;
  return created === undefined ? 0 : new Date(created).getTime();
}

function labelOf(item: { metadata?: { labels?: Record<string, string> } }, key: string) {
  return item.metadata?.labels?.[key];
}

function toIso(value: Date | string | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toISOString();
}
