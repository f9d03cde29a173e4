import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../desired-state.ts';
import { EXAMPLE_WAREHOUSES, exampleState } from './_fixture-state.ts';
import { KubernetesDriver } from './kubernetes-driver.ts';

const NAMESPACE = process.env.DATAKIT_K8S_TEST_NAMESPACE ?? 'default';

/** An example warehouse's prod state, moved into the test namespace. */
function stateIn(warehouse: string): DesiredState {
  const state = exampleState(warehouse);
  return { ...state, environment: { ...state.environment, namespace: NAMESPACE } as never };
}

// No Kubernetes API server can run on the machine these tests were written on, and CI has
// none: this deploys to a real cluster only when KUBECONFIG names one (e.g. kind or k3d, with
// Kubernetes >= 1.29 for native sidecars). It creates and then prunes CronJobs and ConfigMaps
// labelled with the example warehouses in DATAKIT_K8S_TEST_NAMESPACE (default "default").
// Jobs are not run: the made-up image digests of the lock fixtures do not exist.
describe.skipIf(!process.env.KUBECONFIG)('KubernetesDriver against a real cluster', () => {
  const driver = new KubernetesDriver({ namespace: NAMESPACE });

  it.each(EXAMPLE_WAREHOUSES)(
    'has the API server accept the %s manifests in a server-side dry run',
    async (warehouse) => {
      const result = await driver.apply(stateIn(warehouse), { dryRun: true });
      expect(result.dryRun).toBe(true);
    },
  );

  it('applies, then finds nothing to change on a second plan', async () => {
    await driver.apply(stateIn('marketing'));
    expect((await driver.plan(stateIn('marketing'))).empty).toBe(true);
  });

  it('prunes the CronJobs of datakits no longer pinned', async () => {
    await driver.apply(stateIn('marketing'));
    await driver.apply({ ...stateIn('marketing'), jobs: [] });
    expect((await driver.status('marketing', 'prod')).jobs).toEqual([]);
  });
});
