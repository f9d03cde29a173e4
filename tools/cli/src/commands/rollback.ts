import { rollbackWarehouse, type ApplyResult } from '@datakit/deploy';
import { deployContext, dryRunFlag, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { renderPlan } from '../_plan-text.ts';
import { DatakitCommand } from '../_render.ts';

export default class Rollback extends DatakitCommand {
  static override summary = 'Deploy the lock that was deployed before the current one.';
  static override description =
    'Takes the previous revision from the deploy history of the environment and deploys it as it was (same digests). warehouse.yaml and datakits.lock.json are left alone: pin the old version to make the rollback permanent. With no previous deploy in the history (nothing deployed yet, or only one lock), it changes nothing and exits with code 2.';
  static override examples = [
    '<%= config.bin %> rollback analytics',
    '<%= config.bin %> rollback analytics --dry-run',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = { ...envFlags, ...dryRunFlag };

  async run(): Promise<ApplyResult> {
    const { args, flags } = await this.parse(Rollback);
    const loaded = findWarehouse(args.warehouse);
    const { result, revision } = await rollbackWarehouse(loaded, flags.env, {
      ...deployContext(),
      registry: () => pinRegistryOf(loaded, flags.env),
      dryRun: flags['dry-run'],
      onProgress: (m) => this.progress(m),
    });
    if (!this.jsonEnabled()) {
      this.log(`rolling back to lock ${revision.lockRevision} deployed at ${revision.deployedAt}`);
      this.log(renderPlan(result.plan));
    }
    return result;
  }
}
