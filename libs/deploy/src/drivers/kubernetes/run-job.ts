import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { DEPLOY_LABELS, type DesiredState } from '../../desired-state.ts';
import type { RunJobOptions } from '../../driver.ts';
import type { KubernetesClient } from './client.ts';
import { cronJobName } from './config.ts';
import { CONTAINERS } from './render.ts';
import { newest } from './read-status.ts';

/** The label and annotation kubectl sets on a Job created from a CronJob by hand. */
const MANUAL = { annotation: 'cronjob.kubernetes.io/instantiate', value: 'manual' } as const;

/**
 * Runs one datakit now: creates a Job from its deployed CronJob's template (as
 * `kubectl create job --from=cronjob/…` does, owned by the CronJob), waits for it to finish,
 * passes the datakit container's log lines to `onStdout` (Kubernetes merges stdout and stderr)
 * and returns the datakit's exit code.
 *
 * @throws ConfigError when the datakit is not pinned, not deployed, or deployed at another digest.
 */
export async function runJob(
  client: KubernetesClient,
  input: {
    state: DesiredState;
    namespace: string;
    datakit: string;
    options: RunJobOptions;
    pollIntervalMs: number;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
  },
): Promise<number> {
  const { state, namespace, datakit, options, now, sleep } = input;
  const desired = state.jobs.find((job) => job.datakit === datakit);
  if (desired === undefined) {
    throw new ConfigError(
      `The warehouse "${state.warehouse}" pins no datakit "${datakit}"; it pins ${state.jobs.map((j) => `"${j.datakit}"`).join(', ') || 'none'}.`,
    );
  }
  const name = cronJobName(state.warehouse, datakit);
  const cronJob = await client.readCronJob(namespace, name);
  if (cronJob === undefined) {
    throw new ConfigError(`The CronJob ${name} does not exist in the namespace ${namespace}.`, {
      hint: `Deploy first: \`datakit deploy ${state.warehouse} --env ${state.environmentName}\`.`,
    });
  }
  const deployedDigest = cronJob.metadata?.labels?.[DEPLOY_LABELS.digest] ?? '';
  if (!desired.digest.includes(deployedDigest) || deployedDigest === '') {
    throw new ConfigError(
      `The CronJob ${name} runs ${datakit} ${cronJob.metadata?.labels?.[DEPLOY_LABELS.version] ?? '?'} (digest ${deployedDigest || 'unknown'}), but the lock pins ${desired.version} (${desired.digest}).`,
      {
        hint: `Deploy the lock first: \`datakit deploy ${state.warehouse} --env ${state.environmentName}\`.`,
      },
    );
  }
  const job = await client.createJob(namespace, jobFrom(cronJob, `${name}-${now().toString(36)}`));
  const jobName = job.metadata!.name!;
  const startedAt = now();
  // A warehouse without Kerberos has no sidecar: nothing waits for a ticket.
  const ticketDeadline =
    options.ticketTimeoutSeconds === undefined || state.sidecar === undefined
      ? undefined
      : startedAt + options.ticketTimeoutSeconds * 1000;
  for (;;) {
    const current = await client.readJob(namespace, jobName);
    if (finished(current)) break;
    if (ticketDeadline !== undefined && now() > ticketDeadline) {
      const pods = await client.listPods(namespace, `batch.kubernetes.io/job-name=${jobName}`);
      const started = pods.some((pod) =>
        pod.status?.containerStatuses?.some((s) => s.name === CONTAINERS.datakit && s.started),
      );
      if (!started) {
        await client.delete('Job', namespace, jobName, false);
        throw new EnvironmentError(
          `The Kerberos sidecar of Job ${jobName} had no valid ticket after ${options.ticketTimeoutSeconds} s; the Job was deleted.`,
          {
            hint: `Look at the sidecar's log: \`kubectl logs -n ${namespace} job/${jobName} -c ${CONTAINERS.sidecar}\`.`,
          },
        );
      }
    }
    await sleep(input.pollIntervalMs);
  }
  const done = await client.readJob(namespace, jobName);
  const pod = newest(await client.listPods(namespace, `batch.kubernetes.io/job-name=${jobName}`));
  if (pod !== undefined) {
    const log = await client.podLog(namespace, pod.metadata!.name!, CONTAINERS.datakit);
    for (const line of log.split('\n')) if (line !== '') options.onStdout?.(line);
  }
  const exitCode = pod?.status?.containerStatuses?.find((s) => s.name === CONTAINERS.datakit)?.state
    ?.terminated?.exitCode;
  return exitCode ?? ((done.status?.succeeded ?? 0) > 0 ? 0 : 1);
}

/**
 * Whether the Job controller is done with the Job: its `Complete` or `Failed` condition is true.
 * `status.failed` alone is not the end: a failed pod is retried up to `backoffLimit` times.
 */
function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (condition) =>
      (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True',
  );
}

/** A Job with the CronJob's template, owned by the CronJob so pruning it removes the Job. */
function jobFrom(cronJob: V1CronJob, name: string): V1Job {
  const template = cronJob.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cronJob.metadata!.namespace!,
      labels: { ...template.metadata?.labels },
      annotations: { ...template.metadata?.annotations, [MANUAL.annotation]: MANUAL.value },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata!.name!,
          uid: cronJob.metadata!.uid!,
          controller: true,
        },
      ],
    },
    spec: template.spec!,
  };
}
