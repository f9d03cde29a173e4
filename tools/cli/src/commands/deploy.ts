import { deployWarehouse, type ApplyResult } from '@datakit/deploy';
import { Flags } from '@oclif/core';
import { deployContext, dryRunFlag, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { renderPlan } from '../_plan-text.ts';
import { DatakitCommand } from '../_render.ts';
import { renderUpgradeChecks } from '../_upgrade-text.ts';

export default class Deploy extends DatakitCommand {
  static override summary =
    'Make a warehouse environment run what warehouse.yaml and its lock pin.';
  static override description =
    'Before anything is created: the images must agree with the lock, and each datakit the deploy adds or moves to another version has its contract diff and migration printed and its target contracts compared with the live target tables (exit 3 when they do not fit; --no-live skips that). Docker: the Kerberos sidecar container and one job container per pinned datakit, by digest. Kubernetes: a CronJob per datakit with the sidecar as a native sidecar, applied with server-side apply (with scheduler: airflow only the ConfigMaps, and CronJobs left from before are pruned: Airflow runs the pods). Deploying the same lock twice changes nothing. Every deploy is recorded so `datakit rollback` can return to the previous lock.';
  static override examples = [
    '<%= config.bin %> deploy analytics',
    '<%= config.bin %> deploy analytics --dry-run',
    '<%= config.bin %> deploy finance --env prod',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = {
    ...envFlags,
    ...dryRunFlag,
    'no-live': Flags.boolean({
      description:
        'Do not compare the contracts of the versions to deploy with the live target tables first.',
      default: false,
    }),
  };

  async run(): Promise<ApplyResult> {
    const { args, flags } = await this.parse(Deploy);
    const loaded = findWarehouse(args.warehouse);
    const { result } = await deployWarehouse(loaded, flags.env, {
      ...deployContext(),
      registry: () => pinRegistryOf(loaded, flags.env),
      dryRun: flags['dry-run'],
      live: !flags['no-live'],
      // What each new or moved version changes in its tables, shown before a drift stops it.
      onUpgrades: (upgrades) => {
        if (upgrades.length > 0 && !this.jsonEnabled()) this.log(renderUpgradeChecks(upgrades));
      },
      onProgress: (m) => this.progress(m),
    });
    if (!this.jsonEnabled()) {
      this.log(renderPlan(result.plan));
      if (result.dryRun) this.log('dry run: nothing was changed');
    }
    return result;
  }
}
