import { DEPLOY_LABELS } from '../../desired-state.ts';
import type { DeployPlan } from '../../plan.ts';
import { KubernetesError, type KubernetesClient } from './client.ts';
import type { Manifest } from './render.ts';
import { selectWarehouse } from './select-warehouse.ts';

/** What one apply sent. */
export interface ApplyManifestsResult {
  /** `kind/name` of every object applied for a datakit the plan adds or changes. */
  applied: string[];
  /** `kind/name` of every object deleted because its datakit is no longer pinned. */
  pruned: string[];
}

/**
 * Server-side applies every rendered object, then deletes the CronJobs and ConfigMaps of the
 * warehouse that are no longer rendered. Objects of unchanged datakits are applied too (a no-op
 * for the API server unless someone edited them or the lock revision moved) but not reported.
 */
export async function applyManifests(
  client: KubernetesClient,
  input: {
    warehouse: string;
    namespace: string;
    manifests: Manifest[];
    plan: DeployPlan;
    dryRun: boolean;
    onProgress: (message: string) => void;
  },
): Promise<ApplyManifestsResult> {
  const { warehouse, namespace, manifests, plan, dryRun, onProgress } = input;
  const changed = new Set(
    plan.changes.filter((c) => c.action === 'add' || c.action === 'change').map((c) => c.datakit),
  );
  const applied: string[] = [];
  const sent: string[] = [];
  for (const manifest of manifests) {
    const id = `${manifest.kind}/${manifest.metadata!.name!}`;
    try {
      await client.apply(manifest, dryRun);
    } catch (error) {
      const notSent = manifests.slice(sent.length).map((m) => `${m.kind}/${m.metadata!.name!}`);
      throw partly(error, [
        `Applied before the failure: ${sent.join(', ') || 'nothing'}.`,
        `Not applied: ${notSent.join(', ')}; nothing was pruned.`,
      ]);
    }
    sent.push(id);
    if (changed.has(manifest.metadata!.labels![DEPLOY_LABELS.datakit]!)) {
      applied.push(id);
      onProgress(`${dryRun ? 'would apply' : 'applied'} ${id}`);
    }
  }
  const keep = new Set(manifests.map((m) => `${m.kind}/${m.metadata!.name!}`));
  const selector = selectWarehouse(warehouse);
  const pruned: string[] = [];
  const afterApply = (error: unknown) =>
    partly(error, [
      `Every object was applied (${sent.join(', ')}).`,
      `Pruned before the failure: ${pruned.join(', ') || 'nothing'}.`,
    ]);
  const [cronJobs, configMaps] = await Promise.all([
    client.listCronJobs(namespace, selector),
    client.listConfigMaps(namespace, selector),
  ]).catch((error: unknown) => {
    throw afterApply(error);
  });
  for (const [kind, items] of [
    ['CronJob', cronJobs],
    ['ConfigMap', configMaps],
  ] as const) {
    for (const item of items) {
      const name = item.metadata?.name;
      if (name === undefined || keep.has(`${kind}/${name}`)) continue;
      await client.delete(kind, namespace, name, dryRun).catch((error: unknown) => {
        throw afterApply(error);
      });
      pruned.push(`${kind}/${name}`);
      onProgress(`${dryRun ? 'would delete' : 'deleted'} ${kind}/${name}`);
    }
  }
  return { applied, pruned };
}

/**
 * The client's error with what this apply did and did not get to, and how to finish: applying is
 * idempotent, so running the deploy again converges.
 */
function partly(error: unknown, done: string[]): unknown {
  if (!(error instanceof KubernetesError)) return error;
  return new KubernetesError(`${error.message} ${done.join(' ')}`, error.status, {
    cause: error,
    exitCode: error.exitCode,
    hint: `${error.hint ?? ''}${error.hint ? '\n' : ''}Once that is fixed, deploy again: applying is idempotent, so a second deploy completes the first.`,
  });
}
