import { DEPLOY_LABELS } from '../../desired-state.ts';
import type { DeployPlan } from '../../plan.ts';
import type { KubernetesClient } from './client.ts';
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
  for (const manifest of manifests) {
    const id = `${manifest.kind}/${manifest.metadata!.name!}`;
    await client.apply(manifest, dryRun);
    if (changed.has(manifest.metadata!.labels![DEPLOY_LABELS.datakit]!)) {
      applied.push(id);
      onProgress(`${dryRun ? 'would apply' : 'applied'} ${id}`);
    }
  }
  const keep = new Set(manifests.map((m) => `${m.kind}/${m.metadata!.name!}`));
  const selector = selectWarehouse(warehouse);
  const [cronJobs, configMaps] = await Promise.all([
    client.listCronJobs(namespace, selector),
    client.listConfigMaps(namespace, selector),
  ]);
  const pruned: string[] = [];
  for (const [kind, items] of [
    ['CronJob', cronJobs],
    ['ConfigMap', configMaps],
  ] as const) {
    for (const item of items) {
      const name = item.metadata?.name;
      if (name === undefined || keep.has(`${kind}/${name}`)) continue;
      await client.delete(kind, namespace, name, dryRun);
      pruned.push(`${kind}/${name}`);
      onProgress(`${dryRun ? 'would delete' : 'deleted'} ${kind}/${name}`);
    }
  }
  return { applied, pruned };
}
