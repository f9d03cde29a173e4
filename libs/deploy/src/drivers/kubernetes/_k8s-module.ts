import type * as KubernetesModule from '@kubernetes/client-node';
import { createRequire } from 'node:module';

let kubernetesModule: typeof KubernetesModule | undefined;

/**
 * @kubernetes/client-node, loaded on first use: importing it loads about 870 modules and takes
 * about half a second, which every CLI command paid (a Docker `datakit run` included) since
 * @datakit/deploy re-exports the Kubernetes driver. Node 24 requires an ES module synchronously
 * when it has no top-level await.
 */
export function k8s(): typeof KubernetesModule {
  kubernetesModule ??= createRequire(import.meta.url)(
    '@kubernetes/client-node',
  ) as typeof KubernetesModule;
  return kubernetesModule;
}
