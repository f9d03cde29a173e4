/** The Kubernetes driver: rendered manifests for GitOps, and server-side apply. */
export {
  KubernetesClient,
  KubernetesError,
  kubeConfigFor,
  type KubernetesClientOptions,
} from './client.ts';
export { FIELD_MANAGER, ON_DEMAND_SCHEDULE } from './config.ts';
export { KubernetesDriver, type KubernetesDriverOptions } from './kubernetes-driver.ts';
export { renderManifests, renderYaml, type Manifest } from './render.ts';
export { verifyManifests, type ManifestsCheckResult } from './verify-manifests.ts';
