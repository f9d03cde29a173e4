import { Args } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import { findOutdated, type OutdatedRow } from '@datakit/pins';
import { envFlags } from '../_deploy.ts';
import { renderImpact } from '../_upgrade-text.ts';
import { pinRegistryOf, warehousesOf } from '../_pins.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit outdated --json` prints. */
export interface OutdatedResult {
  warehouses: { warehouse: string; environment: string; registry: string; rows: OutdatedRow[] }[];
  /** Warehouse folders that could not be loaded (over all warehouses only), with the reason. */
  failed: { warehouse: string; exitCode: number; message: string }[];
}

export default class Outdated extends DatakitCommand {
  static override summary =
    'Show the pins of a warehouse (or of all) against the newest versions in the registry.';
  static override description =
    'Per pinned datakit: the requested version or range, the locked version, the newest version the range allows (wanted), and the newest release (latest). A locked tag that now points at another digest, or no longer exists, is reported, never followed.';
  static override examples = [
    '<%= config.bin %> outdated',
    '<%= config.bin %> outdated analytics --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    warehouse: Args.string({
      description: 'Warehouse name (a folder of warehouses/) or folder path; default all.',
      required: false,
    }),
  };
  static override flags = { ...envFlags };

  async run(): Promise<OutdatedResult> {
    const { args, flags } = await this.parse(Outdated);
    const { loaded: all, failed } = warehousesOf(args.warehouse);
    const result: OutdatedResult = {
      warehouses: [],
      failed: failed.map((f) => ({
        warehouse: f.name,
        exitCode: f.error.exitCode,
        message: f.error.message,
      })),
    };
    // A folder that does not load is reported now; the other warehouses are still shown.
    for (const failure of failed) this.reportError(failure.error);
    for (const loaded of all) {
      const registry = pinRegistryOf(loaded, flags.env);
      const rows = await findOutdated(loaded, registry);
      result.warehouses.push({
        warehouse: loaded.warehouse.name,
        environment: flags.env,
        registry: registry.host,
        rows,
      });
    }
    if (!this.jsonEnabled()) this.log(renderOutdated(result));
    if (failed.length > 0) {
      // Non-zero at the end: the first failure's own code (2 for every bad file).
      process.exitCode = failed[0]!.error.exitCode;
      this.reportError(
        new ConfigError(
          `${failed.length} warehouse${failed.length === 1 ? '' : 's'} could not be read (${failed.map((f) => f.name).join(', ')}), each reported above; the others are shown.`,
        ),
      );
    }
    return result;
  }
}

/** The table: one line per pin, with a note on what to do. */
export function renderOutdated(result: OutdatedResult): string {
  const header = ['WAREHOUSE', 'DATAKIT', 'REQUESTED', 'LOCKED', 'WANTED', 'LATEST', 'NOTE'];
  const lines = result.warehouses.flatMap((w) =>
    w.rows.map((r) => [
      w.warehouse,
      r.datakit,
      r.requested,
      r.locked ?? '-',
      r.wanted ?? '-',
      r.latest ?? '-',
      noteOf(r),
    ]),
  );
  if (lines.length === 0) return 'No pinned datakits.';
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const table = [header, ...lines]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  // What each possible move changes in the tables, below the table.
  const impacts = result.warehouses.flatMap((w) =>
    w.rows.flatMap((r) =>
      (r.upgrades ?? []).map((u) => `\n${renderImpact(u, `${w.warehouse} ${r.datakit}`)}`),
    ),
  );
  return [table, ...impacts].join('\n');
}

function noteOf(row: OutdatedRow): string {
  const notes: string[] = [];
  if (row.tag === 'moved')
    notes.push(`tag moved to ${row.currentDigest?.slice(0, 19)}… (not followed)`);
  if (row.tag === 'missing') notes.push('locked tag is gone from the registry');
  if (row.tag === 'unlocked') notes.push('not in the lock');
  if (row.wanted === null) notes.push('no version satisfies the range');
  const breaks = (version: string | null) =>
    row.upgrades?.find((u) => u.version === version)?.breaking ? ', breaking' : '';
  if (row.updateInRange) notes.push(`datakit pin updates to ${row.wanted}${breaks(row.wanted)}`);
  if (row.updateOutOfRange) notes.push(`${row.latest} needs a new range${breaks(row.latest)}`);
  return notes.join('; ') || 'up to date';
}
