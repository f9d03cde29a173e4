import type { V1ConfigMap, V1CronJob } from '@kubernetes/client-node';
import { DEPLOY_LABELS } from '../../desired-state.ts';
import type { ActualJob } from '../../plan.ts';
import { ANNOTATIONS } from './config.ts';

/**
 * What runs now, read back from the labels and annotations of deployed CronJobs (or of the
 * ConfigMaps, when Airflow schedules the environment and there are no CronJobs).
 */
export function readActualJobs(cronJobs: (V1CronJob | V1ConfigMap)[]): ActualJob[] {
  return cronJobs
    .filter((cronJob) => cronJob.metadata?.labels?.[DEPLOY_LABELS.datakit] !== undefined)
    .map((cronJob) => {
      const labels = cronJob.metadata?.labels ?? {};
      const annotations = cronJob.metadata?.annotations ?? {};
      const schedule =
        annotations[ANNOTATIONS.schedule] ??
        ('spec' in cronJob ? cronJob.spec?.schedule : undefined);
      return {
        datakit: labels[DEPLOY_LABELS.datakit]!,
        version: labels[DEPLOY_LABELS.version] ?? 'unknown',
        digest: labels[DEPLOY_LABELS.digest] ?? '',
        lockRevision: labels[DEPLOY_LABELS.lockRevision] ?? '',
        schedule: schedule === 'none' ? undefined : schedule,
        specHash: annotations[ANNOTATIONS.specHash] ?? '',
      };
    })
    .sort((a, b) => (a.datakit < b.datakit ? -1 : 1));
}
