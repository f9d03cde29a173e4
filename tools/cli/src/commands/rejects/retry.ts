import { retryWarehouseRejects } from '@datakit/pins';
import {
  assertPinned,
  rejectsTableArgs,
  rejectsTableFlags,
  runIdFlag,
} from '../../_bookkeeping.ts';
import { findWarehouse } from '../../_deploy.ts';
import { DatakitCommand } from '../../_render.ts';

export default class RejectsRetry extends DatakitCommand {
  static override summary =
    "Open a table's rejected rows again (all, or one run's; acknowledged or settled ones too): the datakit's next run reads them again by their key.";
  static override description =
    'Rows rejected by an incremental run are read again by their source key on every later run until they load or someone acknowledges them (`datakit rejects ack`). This command opens rows that were acknowledged or settled, so the next run (scheduled, or `datakit run`) tries them again; `datakit rejects --all` shows how each was settled. Rows of a table without a key cannot be read again by key: they are counted, and come back only with a full read.';
  static override examples = [
    '<%= config.bin %> rejects retry analytics pagila-bronze --table bronze.rental',
    '<%= config.bin %> rejects retry analytics pagila-bronze --table bronze.rental --run 1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  ];
  static override enableJsonFlag = true;
  static override args = rejectsTableArgs;
  static override flags = rejectsTableFlags;

  async run(): Promise<{ opened: number; keyless: number }> {
    const { args, flags } = await this.parse(RejectsRetry);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, args.datakit);
    const result = await retryWarehouseRejects(loaded, {
      environment: flags.env,
      datakit: args.datakit,
      targetTable: flags.table,
      runId: runIdFlag(flags.run),
    });
    const keyless =
      result.keyless > 0
        ? ` (${result.keyless} without a key: read again only by a full read)`
        : '';
    this.log(
      `${flags.table}: ${result.opened} rejected row(s) opened again${keyless}; the next run of ${args.datakit} reads them again (datakit run ${loaded.warehouse.name} ${args.datakit})`,
    );
    return result;
  }
}
