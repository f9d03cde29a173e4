import { Args, Flags } from '@oclif/core';
import { acknowledgeWarehouseRejects } from '@datakit/pins';
import { assertPinned } from '../../_bookkeeping.ts';
import { envFlags, findWarehouse } from '../../_deploy.ts';
import { DatakitCommand } from '../../_render.ts';

export default class RejectsAck extends DatakitCommand {
  static override summary =
    "Acknowledge a table's rejected rows (all, or one run's): `datakit rejects` no longer lists them.";
  static override examples = [
    '<%= config.bin %> rejects ack analytics pagila-bronze --table bronze.rental',
    '<%= config.bin %> rejects ack analytics pagila-bronze --table bronze.rental --run 1b4e28ba-2fa1-11d2-883f-0016d3cca427',
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

  async run(): Promise<{ acknowledged: number }> {
    const { args, flags } = await this.parse(RejectsAck);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, args.datakit);
    if (flags.run !== undefined && !/^[0-9a-f-]{36}$/i.test(flags.run)) {
      this.error(`--run: expected a run id (a uuid), got "${flags.run}".`, { exit: 2 });
    }
    const acknowledged = await acknowledgeWarehouseRejects(loaded, {
      environment: flags.env,
      datakit: args.datakit,
      targetTable: flags.table,
      runId: flags.run,
    });
    this.log(`${flags.table}: ${acknowledged} rejected row(s) acknowledged`);
    return { acknowledged };
  }
}
