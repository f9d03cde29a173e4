import { createInterface } from 'node:readline/promises';
import { Args, Flags } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import {
  assertNoBreakingUpgrade,
  inferPinConnections,
  parsePinRequest,
  planPin,
  planRelock,
  writePin,
  type PinChange,
  type PinConnections,
  type PinPlan,
  type UpgradeImpact,
} from '@datakit/pins';
import type { LoadedWarehouse } from '@datakit/warehouse';
import type { Lock } from '@datakit/warehouse';
import { dryRunFlag, envFlags, findWarehouse, sidecarRequest, warehouseArg } from '../_deploy.ts';
import { pinRegistryOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';
import { renderImpact } from '../_upgrade-text.ts';

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
  /** For the datakit asked for, when its version moves: the contract diff and migration. */
  upgrades: UpgradeImpact[];
}

export default class Pin extends DatakitCommand {
  static override summary =
    'Pin a datakit of a warehouse to a version or range, resolved through the registry to a digest.';
  static override description =
    "Writes the requested version or range into warehouse.yaml (datakits.<datakit>.version, comments kept) and what it resolves to into datakits.lock.json: the newest version in the environment's registry that satisfies it, its digest and contract hash. Pins the lock lacks are resolved too, so the lock is in sync. A datakit the warehouse does not pin yet is added with its source and target connections (--source, --target; inferred from the other pins when only one fits, asked for at a terminal). Moving a pin prints what the new version changes in its tables (the contract diff between the two images' labels) and the migration; a breaking move is refused (exit 2) unless --allow-breaking. A tag that now points at another digest than the lock records is refused, never followed. With --relock instead of a datakit, every pin is resolved again and the lock written anew (for a registry whose images were built elsewhere; digests that differ are taken). Nothing is written when anything fails.";
  static override examples = [
    '<%= config.bin %> pin analytics pagila-bronze@^1.0.0',
    '<%= config.bin %> pin finance pagila-bronze@1.0.3 --dry-run',
    '<%= config.bin %> pin marketing --relock',
    '<%= config.bin %> pin analytics pagila-bronze@^2.0.0 --allow-breaking',
    '<%= config.bin %> pin analytics sales-bronze@^1.0.0 --source sales --target dwh',
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
    'allow-breaking': Flags.boolean({
      description:
        'Pin a version whose contracts break the tables the locked version made (run the migration it prints first).',
      default: false,
    }),
    source: Flags.string({
      description:
        'For a datakit the warehouse does not pin yet: the connection it reads from (inferred when only one fits).',
    }),
    target: Flags.string({
      description:
        'For a datakit the warehouse does not pin yet: the connection it writes to (inferred from the other pins).',
    }),
    relock: Flags.boolean({
      description:
        "Resolve every pin of warehouse.yaml again and write the lock anew, taking the registry's digests.",
      default: false,
    }),
  };

  /**
   * The connections of a datakit the warehouse does not pin yet: the flags, else inferred,
   * else asked for at a terminal (never with --json or in CI); planPin names what is missing.
   */
  private async connectionsOf(
    loaded: LoadedWarehouse,
    datakit: string,
    flags: { source?: string; target?: string },
  ): Promise<PinConnections> {
    const given: PinConnections = {
      ...(flags.source === undefined ? {} : { source: flags.source }),
      ...(flags.target === undefined ? {} : { target: flags.target }),
    };
    if (datakit in loaded.warehouse.datakits) return given;
    const inferred = inferPinConnections(loaded, given);
    const interactive =
      process.stdin.isTTY &&
      process.stderr.isTTY &&
      !this.jsonEnabled() &&
      process.env.CI !== 'true';
    if (!interactive || (inferred.source !== undefined && inferred.target !== undefined))
      return inferred;
    const names = Object.keys(loaded.warehouse.connections);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const ask = async (side: 'source' | 'target') =>
        (await prompt.question(`${datakit}: ${side} connection (${names.join(', ')})? `)).trim();
      return {
        source: inferred.source ?? (await ask('source')),
        target: inferred.target ?? (await ask('target')),
      };
    } finally {
      prompt.close();
    }
  }

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
        ? await planRelock(loaded, registry, sidecarRequest())
        : await planPin(
            loaded,
            request,
            registry,
            await this.connectionsOf(loaded, request.datakit, flags),
            sidecarRequest(),
          );
    const impacts = plan.changes.flatMap((c) => (c.upgrade === undefined ? [] : [c.upgrade]));
    if (!this.jsonEnabled()) for (const impact of impacts) this.log(renderImpact(impact));
    try {
      assertNoBreakingUpgrade(impacts, plan.warehouseFile, flags['allow-breaking']);
    } catch (error) {
      // With --json the result (the diff and migration) is still printed, then the refusal.
      this.failAfterResult(error as ConfigError);
      return { ...resultOf(plan, true, []), upgrades: impacts };
    }
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
    return { ...resultOf(plan, dryRun, written), upgrades: impacts };
  }
}

function resultOf(plan: PinPlan, dryRun: boolean, written: string[]): Omit<PinResult, 'upgrades'> {
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

function describeChange(change: PinChange): string {
  const from = change.from ? `${change.from.version} -> ` : '';
  const arrow = change.action === 'unchanged' ? change.to.version : `${from}${change.to.version}`;
  return `${change.datakit.padEnd(24)} ${change.action.padEnd(9)} ${arrow.padEnd(20)} ${change.to.reference}`;
}
