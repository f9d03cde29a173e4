import type { DesiredState } from './desired-state.ts';

/** A datakit as it runs now, read back from the labels of deployed objects. */
export interface ActualJob {
  datakit: string;
  version: string;
  /** Digest label (hex without `sha256:`, at most 63 characters). */
  digest: string;
  lockRevision: string;
  schedule: string | undefined;
  /** A hash of the rest of the object's spec (config, image, sidecar), driver-defined. */
  specHash: string;
}

/** One line of a plan. */
export interface PlanChange {
  action: 'add' | 'change' | 'remove' | 'unchanged';
  datakit: string;
  from: { version: string; digest: string } | undefined;
  to: { version: string; digest: string } | undefined;
  /** Why a `change`: "version 1.0.0 -> 1.1.0", "schedule", "config". */
  reasons: string[];
}

/** What a deploy would do. */
export interface DeployPlan {
  warehouse: string;
  environment: string;
  lockRevision: string;
  changes: PlanChange[];
  /** True when nothing would change. */
  empty: boolean;
}

/**
 * Compares the desired state with what runs. `specHashOf` gives the driver's hash of a desired
 * job, so config or sidecar changes that leave the version alone still show as a change.
 */
export function planChanges(
  state: DesiredState,
  actual: ActualJob[],
  specHashOf: (datakit: string) => string,
): DeployPlan {
  const byName = new Map(actual.map((job) => [job.datakit, job]));
  const changes: PlanChange[] = [];
  for (const job of state.jobs) {
    const now = byName.get(job.datakit);
    byName.delete(job.datakit);
    const to = { version: job.version, digest: job.digest };
    if (!now) {
      changes.push({ action: 'add', datakit: job.datakit, from: undefined, to, reasons: [] });
      continue;
    }
    const from = { version: now.version, digest: `sha256:${now.digest}` };
    const reasons: string[] = [];
    if (!job.digest.includes(now.digest)) reasons.push(`version ${now.version} -> ${job.version}`);
    if ((now.schedule ?? '') !== (job.schedule ?? ''))
      reasons.push(`schedule ${now.schedule ?? 'none'} -> ${job.schedule ?? 'none'}`);
    if (reasons.length === 0 && now.specHash !== specHashOf(job.datakit))
      reasons.push('configuration');
    changes.push({
      action: reasons.length ? 'change' : 'unchanged',
      datakit: job.datakit,
      from,
      to,
      reasons,
    });
  }
  for (const job of byName.values()) {
    changes.push({
      action: 'remove',
      datakit: job.datakit,
      from: { version: job.version, digest: `sha256:${job.digest}` },
      to: undefined,
      reasons: ['no longer pinned'],
    });
  }
  return {
    warehouse: state.warehouse,
    environment: state.environmentName,
    lockRevision: state.lockRevision,
    changes,
    empty: changes.every((c) => c.action === 'unchanged'),
  };
}
