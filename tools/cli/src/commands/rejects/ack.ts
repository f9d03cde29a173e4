import { acknowledgeWarehouseRejects } from '@datakit/pins';
import {
  assertPinned,
  rejectsTableArgs,
  rejectsTableFlags,
  runIdFlag,
} from '../../_bookkeeping.ts';
import { findWarehouse } from '../../_deploy.ts';
import { DatakitCommand } from '../../_render.ts';

export default class RejectsAck extends DatakitCommand {
  static override summary =
    "Acknowledge a table's rejected rows (all, or one run's): `datakit rejects` no longer lists them.";
  static override examples = [
    '<%= config.bin %> rejects ack analytics pagila-bronze --table bronze.rental',
    '<%= config.bin %> rejects ack analytics pagila-bronze --table bronze.rental --run 1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  ];
  static override enableJsonFlag = true;
  static override args = rejectsTableArgs;
  static override flags = rejectsTableFlags;

  async run(): Promise<{ acknowledged: number }> {
    const { args, flags } = await this.parse(RejectsAck);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, args.datakit);
    const acknowledged = await acknowledgeWarehouseRejects(loaded, {
      environment: flags.env,
      datakit: args.datakit,
      targetTable: flags.table,
      runId: runIdFlag(flags.run),
    });
    this.log(`${flags.table}: ${acknowledged} rejected row(s) acknowledged`);
    return { acknowledged };
  }
}
