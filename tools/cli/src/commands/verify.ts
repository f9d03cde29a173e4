import { Args, Flags } from '@oclif/core';
import { verifyError, verifyWarehouse, type VerifyResult } from '@datakit/pins';
import { envFlags } from '../_deploy.ts';
import { pinRegistryOf, warehousesOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit verify --json` prints (also when a check fails; the exit code says so). */
export interface VerifyCommandResult {
  ok: boolean;
  warehouses: VerifyResult[];
}

const MARKS = { ok: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;

export default class Verify extends DatakitCommand {
  static override summary =
    "Verify a warehouse's lock (or every warehouse's): in sync, in the registry at the locked digests, compatible with the live tables.";
  static override description =
    "Checks that datakits.lock.json matches warehouse.yaml; that every locked tag still points at the locked digest in the environment's registry (a moved tag is reported, never followed) and the image carries the locked contract hash; and that the pinned contracts (from the image's spec label) are compatible with the live tables of each pin's source and target connections. Exit code 2 when the lock or registry disagree, 3 on schema drift, 5 when a database cannot be reached.";
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify analytics --json',
    '<%= config.bin %> verify finance --no-live',
  ];
  static override enableJsonFlag = true;
  static override args = {
    warehouse: Args.string({
      description: 'Warehouse name (a folder of warehouses/) or folder path; default all.',
      required: false,
    }),
  };
  static override flags = {
    ...envFlags,
    live: Flags.boolean({
      description: 'Compare the pinned contracts with the live tables (--no-live skips it).',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<VerifyCommandResult> {
    const { args, flags } = await this.parse(Verify);
    const warehouses: VerifyResult[] = [];
    for (const loaded of warehousesOf(args.warehouse)) {
      const result = await verifyWarehouse(loaded, pinRegistryOf(loaded, flags.env), {
        environment: flags.env,
        live: flags.live,
      });
      warehouses.push(result);
      if (!this.jsonEnabled()) {
        for (const check of result.checks) {
          const who = `${result.warehouse}${check.datakit === null ? '' : ` ${check.datakit}`}`;
          this.log(
            `${MARKS[check.status]}  ${who} ${check.check}: ${check.message.split('\n')[0]}`,
          );
        }
      }
    }
    const error = verifyError(warehouses);
    if (error === undefined) return { ok: true, warehouses };
    if (!this.jsonEnabled()) throw error;
    // With --json the result is still printed on stdout; the paragraph and exit code say why.
    this.reportError(error);
    process.exitCode = error.exitCode;
    return { ok: false, warehouses };
  }
}
