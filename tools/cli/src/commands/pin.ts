import { Args, Flags } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import { parsePinRequest, planPin, planRelock, writePin, type PinChange } from '@datakit/pins';
import type { Lock } from '@datakit/warehouse';
import { dryRunFlag, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit pin --json` prints. */
export interface PinResult {
  warehouse: string;
  dryRun: boolean;
  /** The files written (none with --dry-run or when nothing changed). */
  written: string[];
  warehouseFile: string;
  lockFile: string;
  /** One entry per pinned datakit: the one asked for, and any the lock lacked. */
  changes: PinChange[];
  /** The whole lock as written (or as it would be). */
  lock: Lock;
}

export default class Pin extends DatakitCommand {
  static override summary =
    'Pin a datakit of a warehouse to a version or range, resolved through the registry to a digest.';
  static override description =
    "Writes the requested version or range into warehouse.yaml (datakits.<datakit>.version, comments kept) and what it resolves to into datakits.lock.json: the newest version in the environment's registry that satisfies it, its digest and contract hash. Pins the lock lacks are resolved too, so the lock is in sync. A tag that now points at another digest than the lock records is refused, never followed. With --relock instead of a datakit, every pin is resolved again and the lock written anew (for a registry whose images were built elsewhere; digests that differ are taken). Nothing is written when anything fails.";
  static override examples = [
    '<%= config.bin %> pin analytics pagila-bronze@^1.0.0',
    '<%= config.bin %> pin finance pagila-bronze@1.0.3 --dry-run',
    '<%= config.bin %> pin marketing --relock',
  ];
  static override enableJsonFlag = true;
  static override args = {
    ...warehouseArg,
    ref: Args.string({
      description: '<datakit>@<version|range>, e.g. pagila-bronze@1.4.2 or pagila-bronze@^1.4.0.',
      required: false,
    }),
  };
  static override flags = {
    ...envFlags,
    ...dryRunFlag,
    relock: Flags.boolean({
      description:
        "Resolve every pin of warehouse.yaml again and write the lock anew, taking the registry's digests.",
      default: false,
    }),
  };

  async run(): Promise<PinResult> {
    const { args, flags } = await this.parse(Pin);
    const loaded = findWarehouse(args.warehouse);
    if ((args.ref === undefined) === !flags.relock) {
      throw new ConfigError(
        'datakit pin takes a <datakit>@<version|range> to pin, or --relock to resolve every pin again; not both, not neither.',
      );
    }
    const registry = pinRegistryOf(loaded, flags.env);
    const request = args.ref === undefined ? undefined : parsePinRequest(args.ref, loaded.file);
    const plan =
      request === undefined
        ? await planRelock(loaded, registry)
        : await planPin(loaded, request, registry);
    const dryRun = flags['dry-run'];
    if (!dryRun) writePin(plan);
    const written = dryRun
      ? []
      : [
          ...(plan.warehouseChanged ? [plan.warehouseFile] : []),
          ...(plan.lockChanged ? [plan.lockFile] : []),
        ];
    if (!this.jsonEnabled()) {
      for (const change of plan.changes) this.log(describeChange(change));
      if (dryRun) {
        this.log(
          plan.warehouseChanged && request !== undefined
            ? `would set ${plan.warehouseFile}: datakits.${request.datakit}.version: ${request.requested}`
            : `${plan.warehouseFile} would not change`,
        );
        this.log(
          plan.lockChanged
            ? `would write ${plan.lockFile}:\n${plan.lockText.trimEnd()}`
            : `${plan.lockFile} would not change`,
        );
      } else {
        this.log(written.length ? `wrote ${written.join(', ')}` : 'nothing changed');
      }
    }
    return {
      warehouse: plan.warehouse,
      dryRun,
      written,
      warehouseFile: plan.warehouseFile,
      lockFile: plan.lockFile,
      changes: plan.changes,
      lock: plan.lock,
    };
  }
}

function describeChange(change: PinChange): string {
  const from = change.from ? `${change.from.version} -> ` : '';
  const arrow = change.action === 'unchanged' ? change.to.version : `${from}${change.to.version}`;
  return `${change.datakit.padEnd(24)} ${change.action.padEnd(9)} ${arrow.padEnd(20)} ${change.to.reference}`;
}
