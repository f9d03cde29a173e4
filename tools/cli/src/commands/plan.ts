import { Flags } from '@oclif/core';
import { planDeploy, type PlanDeployResult } from '@datakit/deploy';
import { deployContext, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';
import { renderPlan } from '../_plan-text.ts';
import { renderUpgradeChecks } from '../_upgrade-text.ts';

/** What `datakit plan --json` prints: the plan, and what each new or moved version changes. */
export type PlanResult = PlanDeployResult;

export default class Plan extends DatakitCommand {
  static override summary = 'Show what a deploy of a warehouse environment would change.';
  static override description =
    'Reads what runs now from the labels of deployed objects and compares it with warehouse.yaml and its lock: datakits added, changed (old and new version, or schedule/configuration) and removed. For each datakit added or moved to another version: the contract diff from the running image to the new one (from their labels), whether it breaks, the migration to run, and whether the new contracts fit the live target tables (what deploy checks; --no-live skips it).';
  static override examples = [
    '<%= config.bin %> plan analytics',
    '<%= config.bin %> plan finance --env prod --json',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = {
    ...envFlags,
    'no-live': Flags.boolean({
      description: 'Do not compare the new contracts with the live target tables.',
      default: false,
    }),
  };

  async run(): Promise<PlanResult> {
    const { args, flags } = await this.parse(Plan);
    const loaded = findWarehouse(args.warehouse);
    const result = await planDeploy(loaded, flags.env, {
      ...deployContext(),
      registry: () => pinRegistryOf(loaded, flags.env),
      live: !flags['no-live'],
    });
    if (!this.jsonEnabled()) {
      this.log(renderPlan(result));
      if (result.upgrades.length > 0) this.log(renderUpgradeChecks(result.upgrades));
      if (result.upgrades.some((u) => u.live.status === 'drift'))
        this.log('deploy would stop here (exit 3): run the migration above first');
    }
    return result;
  }
}
