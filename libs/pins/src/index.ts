/**
 * Version pins of a warehouse: `pin` resolves a version or range through the registry into
 * warehouse.yaml and datakits.lock.json; `outdated` compares pins with the registry; `verify`
 * checks a lock against warehouse.yaml, the registry and the live tables. Nothing here prints.
 */
export { assertDeployImagesMatchLock, type DeployImages } from './check-deploy-images.ts';
export {
  checkUpgrades,
  upgradeDriftError,
  type PlannedChanges,
  type PlannedImage,
  type UpgradeCheck,
} from './check-upgrades.ts';
export { tagState, type TagState } from './detect-moved-tag.ts';
export { findOutdated, outdatedRow, type OutdatedRow, type RegistryView } from './find-outdated.ts';
export {
  assertNoBreakingUpgrade,
  upgradeImpact,
  type ImageAt,
  type UpgradeImpact,
} from './upgrade-impact.ts';
export { parsePinRequest, type PinRequest } from './parse-pin-request.ts';
export {
  inferPinConnections,
  planPin,
  planRelock,
  writePin,
  type PinChange,
  type PinConnections,
  type PinPlan,
  type SidecarRequest,
} from './pin-datakit.ts';
export { registryHostOf, type PinRegistry } from './pin-registry.ts';
export { resolvePin } from './resolve-pin.ts';
export { newestVersion, resolveVersion, versionTags, type VersionTag } from './resolve-version.ts';
export {
  verifyError,
  verifyWarehouse,
  type VerifyCheck,
  type VerifyCheckName,
  type VerifyOptions,
  type VerifyResult,
} from './verify-warehouse.ts';
export {
  acknowledgeWarehouseRejects,
  retryWarehouseRejects,
  warehouseRejects,
  warehouseRuns,
  type ConnectionRejects,
  type ConnectionRuns,
  type UnreadConnection,
  type WarehouseRejectsOptions,
  type WarehouseRunsOptions,
} from './warehouse-runs.ts';
export { onThisMachine } from './on-this-machine.ts';
export type { SideOutcome } from './_live-tables.ts';
