import type { DeployPlan } from '@datakit/deploy';
import { driverFor, envFlags, findWarehouse, stateOf, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';
import { renderPlan } from '../_plan-text.ts';

export default class Plan extends DatakitCommand {
  static override summary = 'Show what a deploy of a warehouse environment would change.';
  static override description =
    'Reads what runs now from the labels of deployed objects and compares it with warehouse.yaml and its lock: datakits added, changed (old and new version, or schedule/configuration) and removed.';
  static override examples = [
    '<%= config.bin %> plan analytics',
    '<%= config.bin %> plan finance --env prod --json',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = envFlags;

  async run(): Promise<DeployPlan> {
    const { args, flags } = await this.parse(Plan);
    const state = stateOf(findWarehouse(args.warehouse), flags.env);
    const plan = await driverFor(state).plan(state);
    if (!this.jsonEnabled()) this.log(renderPlan(plan));
    return plan;
  }
}
