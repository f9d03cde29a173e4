import { Flags } from '@oclif/core';
import { warehouseRuns, type ConnectionRuns } from '@datakit/pins';
import { assertPinned, unreachableError } from '../_bookkeeping.ts';
import { envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit runs --json` prints. */
export interface RunsCommandResult {
  warehouse: string;
  environment: string;
  connections: ConnectionRuns[];
}

export default class Runs extends DatakitCommand {
  static override summary =
    "Show the recent runs of a warehouse's datakits per table, from the warehouse's own bookkeeping.";
  static override description =
    'Reads _datakit.runs in each target connection the pins write: per table the latest runs with status (succeeded, failed, drift, abandoned, running), rows read/written/rejected, the cursor range, the duration and the error. Exit code 5 when a target database cannot be reached.';
  static override examples = [
    '<%= config.bin %> runs analytics',
    '<%= config.bin %> runs analytics --datakit pagila-bronze --last 1',
    '<%= config.bin %> runs sales --json',
  ];
  static override enableJsonFlag = true;
  static override args = warehouseArg;
  static override flags = {
    ...envFlags,
    datakit: Flags.string({ description: 'Only this pinned datakit.', char: 'd' }),
    last: Flags.integer({ description: 'Runs shown per table.', default: 5, min: 1, max: 1000 }),
  };

  async run(): Promise<RunsCommandResult> {
    const { args, flags } = await this.parse(Runs);
    const loaded = findWarehouse(args.warehouse);
    assertPinned(loaded, flags.datakit);
    const connections = await warehouseRuns(loaded, {
      environment: flags.env,
      datakit: flags.datakit,
      perTable: flags.last,
    });
    if (!this.jsonEnabled()) for (const c of connections) this.#print(c);
    const result = { warehouse: loaded.warehouse.name, environment: flags.env, connections };
    const error = unreachableError(connections);
    if (error !== undefined) this.failAfterResult(error);
    return result;
  }

  #print(c: ConnectionRuns): void {
    if (c.status !== 'ok') {
      this.log(`${c.connection} (${c.datakits.join(', ')}): ${c.status}: ${c.reason}`);
      return;
    }
    if (c.runs.length === 0) {
      this.log(`${c.connection} (${c.datakits.join(', ')}): no runs recorded yet`);
      return;
    }
    let table = '';
    for (const run of c.runs) {
      if (run.targetTable !== table) {
        table = run.targetTable;
        this.log(`${table}  (${run.datakit}, from ${run.sourceTable})`);
      }
      const seconds =
        run.finishedAt === null
          ? '     -'
          : `${((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1).padStart(5)}s`;
      const cursor =
        run.cursorTo === null ? '' : `  cursor ${run.cursorFrom ?? '(start)'} -> ${run.cursorTo}`;
      this.log(
        `  ${run.startedAt.slice(0, 19).replace('T', ' ')}  ${run.status.padEnd(10)} ${run.mode.padEnd(7)} ${String(run.read).padStart(9)} read ${String(run.written).padStart(9)} written ${String(run.rejected).padStart(6)} rejected ${seconds}${cursor}`,
      );
      if (run.error !== null && run.status !== 'succeeded') {
        // The reason's first lines (a drift diff: its header and first changes).
        for (const line of run.error.split('\n').slice(0, 3)) this.log(`      ${line.trim()}`);
      }
    }
  }
}
