export { formatLockJson } from './format-lock.ts';
export { warehouseJsonSchemas } from './json-schema.ts';
export {
  assertLockInSync,
  assertLockRegistries,
  loadWarehouse,
  loadWarehouses,
  parseLockJson,
  parseWarehouseYaml,
  type LoadedWarehouse,
  type LoadWarehousesResult,
  type ParseWarehouseOptions,
  type WarehouseLoadFailure,
} from './load-warehouse.ts';
export {
  lockEntrySchema,
  lockInputsDigest,
  lockSchema,
  lockedTag,
  parseLockReference,
  type Lock,
  type LockReference,
  type LockEntry,
  type LockSidecar,
} from './lock-schema.ts';
export {
  KUBERNETES_LIMITS,
  KUBERNETES_SECRETS_ROOT,
  cronJobNameOf,
  kubernetesSecretFileOf,
  dnsLabelProblem,
  dnsSubdomainProblem,
  labelValueProblem,
} from './kubernetes-names.ts';
export { locateFields } from './locate-field.ts';
export { SENSITIVE_HOST_PATHS, sensitivePathProblem } from './host-paths.ts';
export { resolveEnvironment, targetSchemaOf } from './resolve-environment.ts';
export { addPin, setPinVersion, type NewPin } from './set-pin-version.ts';
export {
  connectionSchema,
  cronSchema,
  datakitPinSchema,
  environmentSchema,
  memoryBytesOf,
  secretRefsOf,
  warehouseSchema,
  type Connection,
  type DatakitPin,
  type Environment,
  type Warehouse,
  type WarehouseInput,
} from './warehouse-schema.ts';
export {
  CONTAINER_PATHS,
  DATAKIT_UID,
  JOB_ENV,
  PLATFORM_PATHS,
  SIDECAR_ENV,
  dockerSecretFileOf,
  serializeJobConfig,
  type DatakitJobConfig,
  type WriteModeChoice,
} from './job-contract.ts';
