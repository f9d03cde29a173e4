// The deploy verbs as one composition, beside the drivers: which images, which driver, the
// checks before anything changes, apply, and the deploy history. Commands parse, call these and
// render what they return; nothing here prints or exits.
import type { PinRegistry, UpgradeCheck } from '@datakit/pins';
import type { LoadedWarehouse } from '@datakit/warehouse';
import type { ApplyResult, RunJobOptions } from './driver.ts';
import { previousRevision, recordDeploy, type DeployedRevision } from './history.ts';
import {
  driverOf,
  environmentState,
  openEnvironment,
  type DeployContext,
} from './open-environment.ts';
import type { DeployPlan } from './plan.ts';

// @datakit/pins (registry reads, live tables through @datakit/databases) is loaded only by the
// verbs that check images, not by every command that imports this library (`datakit run`,
// `status`, `logs` start faster without it).
const pins = () => import('@datakit/pins');

/** The inputs every check against the registry needs, besides the context. */
export interface RegistryCheckOptions {
  /**
   * The registry of the environment, as the caller opens it (with its credentials). Called
   * once the desired state is known: a warehouse whose environment or lock is refused opens
   * none.
   */
  registry: () => PinRegistry;
}

/** Options of {@link planDeploy}. */
export interface PlanDeployOptions extends DeployContext, RegistryCheckOptions {
  /** Compare the new target contracts with the live target tables; default true. */
  live?: boolean;
}

/** What a deploy would change, and what each new or moved version changes in its tables. */
export interface PlanDeployResult extends DeployPlan {
  /** Each datakit the deploy would add or move to another image, and what that changes. */
  upgrades: UpgradeCheck[];
}

/**
 * What a deploy of an environment would change: checks the images against the lock (what
 * deploy refuses first), reads the plan from what runs, and checks each datakit the deploy adds
 * or moves to another image (its upgrade impact and, unless `live` is false, its target
 * contracts against the live tables). Changes nothing.
 *
 * @throws ConfigError when the environment, the lock or the images disagree; EnvironmentError
 *   when the registry or the driver cannot be reached.
 */
export async function planDeploy(
  loaded: LoadedWarehouse,
  environment: string,
  options: PlanDeployOptions,
): Promise<PlanDeployResult> {
  const { assertDeployImagesMatchLock, checkUpgrades } = await pins();
  const state = environmentState(loaded, environment, options);
  const registry = options.registry();
  await assertDeployImagesMatchLock(state, loaded.lockFile, registry);
  const plan = await driverOf(state, options).plan(state);
  const upgrades = await checkUpgrades(loaded, environment, plan, registry, {
    live: options.live !== false,
  });
  return { ...plan, upgrades };
}

/** Options of {@link deployWarehouse}. */
export interface DeployWarehouseOptions extends DeployContext, RegistryCheckOptions {
  /** Show what would change and change nothing (nothing is recorded). */
  dryRun?: boolean;
  /** Compare the new target contracts with the live target tables first; default true. */
  live?: boolean;
  /**
   * Called with the upgrade checks once they are known, before a drift stops the deploy, so
   * the migration can be shown above the error.
   */
  onUpgrades?: (upgrades: readonly UpgradeCheck[]) => void;
  /** Called with each step the driver takes. */
  onProgress?: (message: string) => void;
}

/** What {@link deployWarehouse} did. */
export interface DeployWarehouseResult {
  /** The plan and what was applied (the `--json` output of `datakit deploy`). */
  result: ApplyResult;
  /** What each datakit the deploy added or moved to another image changes in its tables. */
  upgrades: UpgradeCheck[];
}

/**
 * Makes an environment run what warehouse.yaml and its lock pin. Before anything is created or
 * changed: the images must agree with the lock, and the target contracts of each datakit the
 * deploy adds or moves must fit the live target tables (unless `live` is false). Then applies
 * and records the deploy in the history `rollback` reads (not on a dry run, nor without a lock).
 *
 * @throws ConfigError when the environment, the lock or the images disagree; DriftError when
 *   the new contracts do not fit the live tables; EnvironmentError when the registry or the
 *   driver cannot be reached.
 */
export async function deployWarehouse(
  loaded: LoadedWarehouse,
  environment: string,
  options: DeployWarehouseOptions,
): Promise<DeployWarehouseResult> {
  const { assertDeployImagesMatchLock, checkUpgrades, upgradeDriftError } = await pins();
  const state = environmentState(loaded, environment, options);
  // The images' labels must agree with the lock before anything is created or changed.
  const registry = options.registry();
  await assertDeployImagesMatchLock(state, loaded.lockFile, registry);
  const driver = driverOf(state, options);
  const upgrades = await checkUpgrades(loaded, environment, await driver.plan(state), registry, {
    live: options.live !== false,
  });
  options.onUpgrades?.(upgrades);
  const drift = upgradeDriftError(loaded, upgrades);
  if (drift !== undefined) throw drift;
  const result = await driver.apply(state, {
    dryRun: options.dryRun === true,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  if (!result.dryRun && loaded.lock) {
    recordDeploy(loaded.dir, environment, {
      lockRevision: state.lockRevision,
      deployedAt: new Date().toISOString(),
      lock: loaded.lock,
    });
  }
  return { result, upgrades };
}

/** Options of {@link rollbackWarehouse}. */
export interface RollbackWarehouseOptions extends DeployContext, RegistryCheckOptions {
  /** Show what would change and change nothing (nothing is recorded). */
  dryRun?: boolean;
  /** Called with each step the driver takes. */
  onProgress?: (message: string) => void;
}

/** What {@link rollbackWarehouse} did. */
export interface RollbackWarehouseResult {
  /** The plan and what was applied (the `--json` output of `datakit rollback`). */
  result: ApplyResult;
  /** The revision from the deploy history that was deployed again. */
  revision: DeployedRevision;
}

/**
 * Deploys the lock deployed before the current one, from the environment's deploy history, as
 * it was (same digests); warehouse.yaml and the lock file are left alone. Its images must
 * still be in the registry, labelled as that lock says. Records it as the newest revision
 * (not on a dry run).
 *
 * @throws ConfigError when the history holds no earlier revision (nothing is changed), or its
 *   lock or images are refused; EnvironmentError when the registry or driver cannot be reached.
 */
export async function rollbackWarehouse(
  loaded: LoadedWarehouse,
  environment: string,
  options: RollbackWarehouseOptions,
): Promise<RollbackWarehouseResult> {
  const { assertDeployImagesMatchLock } = await pins();
  const revision = previousRevision(loaded.dir, environment);
  const state = environmentState(loaded, environment, { ...options, lock: revision.lock });
  await assertDeployImagesMatchLock(
    state,
    `${loaded.lockFile} (revision ${revision.lockRevision} from the deploy history)`,
    options.registry(),
  );
  const result = await driverOf(state, options).apply(state, {
    dryRun: options.dryRun === true,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  if (!result.dryRun) {
    recordDeploy(loaded.dir, environment, { ...revision, deployedAt: new Date().toISOString() });
  }
  return { result, revision };
}

/**
 * Runs one deployed datakit of an environment now (after the Kerberos sidecar holds a valid
 * ticket, when the warehouse has one) and returns its exit code; its output goes to the
 * callbacks of `options`.
 *
 * @throws ConfigError for an unknown environment, an out-of-sync lock or a datakit that is not
 *   pinned; EnvironmentError when the driver cannot be reached or no ticket comes in time.
 */
export async function runDeployedJob(
  loaded: LoadedWarehouse,
  environment: string,
  datakit: string,
  options: DeployContext & RunJobOptions,
): Promise<number> {
  const { state, driver } = openEnvironment(loaded, environment, options);
  return driver.runJob(state, datakit, options);
}
