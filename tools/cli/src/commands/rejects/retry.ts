import { Args, Flags } from '@oclif/core';
import { retryWarehouseRejects } from '@datakit/pins';
import { assertPinned } from '../../_bookkeeping.ts';
import { envFlags, findWarehouse } from '../../_deploy.ts';
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
  static override args = {
    warehouse: Args.string({
      description: 'Warehouse name (a folder of warehouses/) or folder path.',
      required: true,
    }),
    datakit: Args.string({
      description: 'The pinned datakit that writes the table.',
      required: true,
    }),
  };
  static override flags = {
    ...envFlags,
    table: Flags.string({
      description: 'The target table (schema.table).',
      char: 't',
      required: true,
    }),
    run: Flags.string({ description: "Only this run's rejected rows (its run id)." }),
  };

  async run(): Promise<{ opened: number; keyless: number }> {
    const { args, flags } = await this.parse(RejectsRetry);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, args.datakit);
    if (flags.run !== undefined && !/^[0-9a-f-]{36}$/i.test(flags.run)) {
      this.error(`--run: expected a run id (a uuid), got "${flags.run}".`, { exit: 2 });
    }
    const result = await retryWarehouseRejects(loaded, {
      environment: flags.env,
      datakit: args.datakit,
      targetTable: flags.table,
      runId: flags.run,
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
