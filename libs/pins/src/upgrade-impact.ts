import semver from 'semver';
import { diffableSpecOf, diffContracts, type ContractDiff } from '@datakit/contracts';
import { formatMigration, migrationSteps } from '@datakit/databases';
import { ConfigError } from '@datakit/errors';
import { notesBetween, parseBreakingChanges, type BreakingNote } from '@datakit/images';
import { readImageLabels } from './_registry-reads.ts';
import type { PinRegistry } from './pin-registry.ts';

/** What moving a pin from one version to another changes in its tables. */
export interface UpgradeImpact {
  datakit: string;
  /** The version the tables were made by. */
  from: string;
  /** The version the pin would move to. */
  version: string;
  /** Whether the move breaks the tables `from` made: a breaking diff, or notes in between. */
  breaking: boolean;
  /** The contract diff between the two images' spec labels. */
  diff: ContractDiff;
  /** The breaking-change notes of the versions crossed (from the newer image's label). */
  notes: { version: string; note: BreakingNote }[];
  /**
   * The SQL to run on the warehouse before deploying: the notes' migrations when the author
   * wrote them, else the DDL derived from the diff (`-- no DDL is needed` when none).
   */
  migration: string;
}

/** One side of an upgrade: a version and the tag or digest its image is read by. */
export interface ImageAt {
  version: string;
  reference: string;
}

/**
 * The impact of moving `datakit` from one image to another, read from their labels in the
 * registry: the contract diff of the spec labels, the newer image's breaking-change notes for
 * the versions crossed, and the migration. Undefined when either image or spec label is missing
 * (an image built before specs were labelled): there is nothing to compare.
 */
export async function upgradeImpact(
  registry: PinRegistry,
  datakit: string,
  from: ImageAt,
  to: ImageAt,
): Promise<UpgradeImpact | undefined> {
  const [older, newer] = await Promise.all([
    readImageLabels(registry, datakit, from.reference),
    readImageLabels(registry, datakit, to.reference),
  ]);
  const fromSpec = diffableSpecOf(older?.spec);
  const toSpec = diffableSpecOf(newer?.spec);
  if (fromSpec === undefined || toSpec === undefined) return undefined;
  const diff = diffContracts(fromSpec, toSpec);
  const notes =
    newer?.breakingChanges === undefined || !upward(from.version, to.version)
      ? []
      : notesBetween(
          parseBreakingChanges(
            newer.breakingChanges,
            `${registry.host}/${datakit}:${to.version}, label dev.datakit.breaking-changes`,
          ),
          from.version,
          to.version,
        );
  const migration =
    notes.length > 0
      ? notes.map(({ version, note }) => `-- ${datakit} ${version}\n${note.migration}`).join('\n\n')
      : formatMigration(migrationSteps(diff, fromSpec, toSpec));
  return {
    datakit,
    from: from.version,
    version: to.version,
    breaking: diff.breaking || notes.length > 0,
    diff,
    notes,
    migration,
  };
}

function upward(from: string, to: string): boolean {
  return semver.valid(from) !== null && semver.valid(to) !== null && semver.gt(to, from);
}

/**
 * Refuses breaking upgrades unless they were asked for: `datakit pin` without
 * `--allow-breaking`. The error names the warehouse file and field; the caller prints each
 * impact's diff and migration first.
 */
export function assertNoBreakingUpgrade(
  impacts: readonly UpgradeImpact[],
  file: string,
  allowBreaking: boolean,
): void {
  const breaking = impacts.filter((i) => i.breaking);
  if (breaking.length === 0 || allowBreaking) return;
  const list = breaking.map((i) => `${i.datakit} ${i.from} -> ${i.version}`).join(', ');
  throw new ConfigError(
    `${file}: field "datakits.${breaking[0]!.datakit}.version": ${list} breaks the tables the locked version made (${breaking
      .flatMap((i) => i.diff.changes.filter((c) => c.class === 'breaking'))
      .map((c) => `${c.table}${c.column ? `.${c.column}` : ''}: ${c.message}`)
      .join('; ')}). Nothing was written.`,
    {
      hint: 'Run the migration printed above on the warehouse, then pin again with --allow-breaking.',
    },
  );
}
