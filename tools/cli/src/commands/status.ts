import { openEnvironment, type DeployStatus } from '@datakit/deploy';
import { deployContext, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

export default class Status extends DatakitCommand {
  static override summary =
    'Show what runs in a warehouse environment: sidecar, datakits, last runs.';
  static override examples = [
    '<%= config.bin %> status analytics',
    '<%= config.bin %> status analytics --json',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = envFlags;

  async run(): Promise<DeployStatus> {
    const { args, flags } = await this.parse(Status);
    const { state, driver } = openEnvironment(
      findWarehouse(args.warehouse),
      flags.env,
      deployContext(),
    );
    const status = await driver.status(state.warehouse, flags.env);
    if (!this.jsonEnabled()) {
      this.log(
        `${status.warehouse}/${status.environment}  lock ${status.lockRevision ?? '(not deployed)'}`,
      );
      const sidecar = status.sidecar;
      this.log(
        `  kerberos sidecar  ${state.sidecar === undefined ? 'none (the warehouse has no kerberos block)' : sidecar ? `${sidecar.state}${sidecar.ready ? ', ticket ready' : ', no valid ticket'}` : 'not deployed'}`,
      );
      for (const job of status.jobs) {
        const last = job.lastRun ? `last exit ${job.lastRun.exitCode ?? '-'}` : 'never run';
        this.log(
          `  ${job.datakit.padEnd(24)} ${job.version.padEnd(10)} ${job.state.padEnd(10)} ${last}  schedule ${job.schedule ?? 'on demand'}`,
        );
      }
    }
    return status;
  }
}
