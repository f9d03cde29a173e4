import { Flags } from '@oclif/core';
import { warehouseRejects, type ConnectionRejects } from '@datakit/pins';
import { assertPinned, unreachableError } from '../_bookkeeping.ts';
import { envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit rejects --json` prints. */
export interface RejectsCommandResult {
  warehouse: string;
  environment: string;
  connections: ConnectionRejects[];
}

export default class Rejects extends DatakitCommand {
  static override summary =
    "List the rows a warehouse's datakits rejected, with their reasons, from the warehouse's own bookkeeping.";
  static override description =
    'Reads _datakit.rejects in each target connection the pins write: per rejected row its table, the run, the stage (source contract, or transform/target contract), the reason and the row as stored. Only open rows, unless --all: a row stays open until a later run that reads it again by its key settles it (loaded, filtered, rejected again, not in source) or someone acknowledges it (`datakit rejects ack`); `datakit rejects retry` opens rows again. Exit code 5 when a target database cannot be reached.';
  static override examples = [
    '<%= config.bin %> rejects analytics',
    '<%= config.bin %> rejects analytics --datakit pagila-bronze --table bronze.rental --json',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = {
    ...envFlags,
    datakit: Flags.string({ description: 'Only this pinned datakit.', char: 'd' }),
    table: Flags.string({ description: 'Only this target table (schema.table).', char: 't' }),
    all: Flags.boolean({
      description: 'Also the acknowledged rows and those a later run settled.',
      default: false,
    }),
    limit: Flags.integer({
      description: 'Rows shown per connection.',
      default: 100,
      min: 1,
      max: 10_000,
    }),
  };

  async run(): Promise<RejectsCommandResult> {
    const { args, flags } = await this.parse(Rejects);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, flags.datakit);
    const connections = await warehouseRejects(loaded, {
      environment: flags.env,
      datakit: flags.datakit,
      targetTable: flags.table,
      includeAcknowledged: flags.all,
      limit: flags.limit,
    });
    if (!this.jsonEnabled()) {
      for (const c of connections) {
        if (c.status !== 'ok') {
          this.log(`${c.connection} (${c.datakits.join(', ')}): ${c.status}: ${c.reason}`);
          continue;
        }
        if (c.rejects.length === 0) this.log(`${c.connection}: no rejected rows`);
        for (const r of c.rejects) {
          const acked =
            r.acknowledgedAt !== null
              ? `  (acknowledged ${r.acknowledgedAt})`
              : r.resolvedAt !== null
                ? `  (${r.resolution ?? 'settled'}, ${r.resolvedAt})`
                : '';
          this.log(
            `${r.targetTable}  ${r.rejectedAt.slice(0, 19).replace('T', ' ')}  run ${r.runId}  ${r.stage}: ${r.reason}${acked}`,
          );
          this.log(`    ${JSON.stringify(r.row)}`);
        }
      }
    }
    const error = unreachableError(connections);
    if (error !== undefined) this.failAfterResult(error);
    return { warehouse: loaded.warehouse.name, environment: flags.env, connections };
  }
}
