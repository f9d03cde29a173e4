import { Args, Flags } from '@oclif/core';
import { openEnvironment } from '@datakit/deploy';
import { deployContext, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit logs --json` prints. */
export interface LogsResult {
  datakit: string;
  lines: string[];
}

export default class Logs extends DatakitCommand {
  static override summary = "Show the last lines of a datakit's most recent run.";
  static override examples = [
    '<%= config.bin %> logs analytics pagila-bronze',
    '<%= config.bin %> logs analytics pagila-bronze --tail 20',
  ];
  static override enableJsonFlag = true;
  static override args = {
    ...warehouseArg,
    datakit: Args.string({ description: 'The pinned datakit.', required: true }),
  };
  static override flags = {
    ...envFlags,
    tail: Flags.integer({ description: 'Number of lines.', default: 100 }),
  };

  async run(): Promise<LogsResult> {
    const { args, flags } = await this.parse(Logs);
    const { state, driver } = openEnvironment(
      findWarehouse(args.warehouse),
      flags.env,
      deployContext(),
    );
    const text = await driver.logs(state.warehouse, flags.env, args.datakit, flags.tail);
    const lines = text.split('\n').filter((line) => line !== '');
    if (!this.jsonEnabled()) for (const line of lines) this.log(line);
    return { datakit: args.datakit, lines };
  }
}
