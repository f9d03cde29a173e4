export {
  DEPLOY_LABELS,
  desiredState,
  revisionOf,
  type DatakitJobConfig,
  type DesiredJob,
  type DesiredSidecar,
  type DesiredState,
} from './desired-state.ts';
export type {
  ApplyResult,
  DeployDriver,
  DeployStatus,
  JobStatus,
  RunJobOptions,
  RunPhase,
} from './driver.ts';
export { planChanges, type ActualJob, type DeployPlan, type PlanChange } from './plan.ts';
export { DockerDriver, dockerNames } from './drivers/docker/index.ts';
export {
  environmentDriver,
  environmentState,
  openEnvironment,
  sidecarImage,
  type DeployContext,
  type OpenedEnvironment,
} from './open-environment.ts';
export {
  deployWarehouse,
  planDeploy,
  rollbackWarehouse,
  runDeployedJob,
  type DeployWarehouseOptions,
  type DeployWarehouseResult,
  type PlanDeployOptions,
  type PlanDeployResult,
  type RegistryCheckOptions,
  type RollbackWarehouseOptions,
  type RollbackWarehouseResult,
} from './operations.ts';
export {
  historyFile,
  previousRevision,
  readHistory,
  recordDeploy,
  type DeployedRevision,
} from './history.ts';
export {
  FIELD_MANAGER,
  KubernetesClient,
  KubernetesDriver,
  KubernetesError,
  ON_DEMAND_SCHEDULE,
  kubeConfigFor,
  renderManifests,
  renderYaml,
  verifyManifests,
  type KubernetesClientOptions,
  type KubernetesDriverOptions,
  type Manifest,
  type ManifestsCheckResult,
} from './drivers/kubernetes/index.ts';
export {
  renderAirflowDags,
  targetTablesOfSpec,
  verifyAirflowDags,
  type AirflowDag,
  type AirflowDagFolder,
  type AirflowDagsCheckResult,
  type AirflowTask,
  type RenderAirflowOptions,
} from './airflow/index.ts';
