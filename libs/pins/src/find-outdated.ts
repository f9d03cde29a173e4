import semver from 'semver';
import { lockedTag, type LoadedWarehouse, type LockEntry } from '@datakit/warehouse';
import { currentDigest, listTags } from './_registry-reads.ts';
import { tagState, type TagState } from './detect-moved-tag.ts';
import type { PinRegistry } from './pin-registry.ts';
import { newestVersion, resolveVersion } from './resolve-version.ts';
import { upgradeImpact, type UpgradeImpact } from './upgrade-impact.ts';

/** One row of `datakit outdated`: a pin, what it is locked to, and what the registry has. */
export interface OutdatedRow {
  datakit: string;
  /** The version or range warehouse.yaml asks for. */
  requested: string;
  /** The version the lock resolved, or null when the lock has no entry. */
  locked: string | null;
  /** The newest version in the registry that satisfies `requested`, or null. */
  wanted: string | null;
  /** The newest release in the registry, or null when it has none. */
  latest: string | null;
  /**
   * The locked tag now: `same` digest as locked, `moved` (pushed again over another image;
   * reported, never followed), `missing` (deleted), or `unlocked` when there is no entry.
   */
  tag: TagState | 'unlocked';
  /** The digest the locked tag points at now, when it exists. */
  currentDigest: string | null;
  /** True when `wanted` is newer than `locked`: `datakit pin` with the same range updates. */
  updateInRange: boolean;
  /** True when `latest` is newer than `wanted`: updating needs a new range. */
  updateOutOfRange: boolean;
  /**
   * For each version the pin could move to (`wanted` and `latest` when newer than `locked`):
   * the contract diff from the locked image's spec label to that image's. Empty when nothing
   * is newer or a label is missing; filled by {@link findOutdated}.
   */
  upgrades?: UpgradeImpact[];
}

/** What the registry says about one datakit, the input of {@link outdatedRow}. */
export interface RegistryView {
  /** Every tag of the repository. */
  tags: readonly string[];
  /** The digest the locked tag points at now, undefined when it is gone. */
  lockedTagDigest: string | undefined;
}

/** The row of one pin, from its lock entry (if any) and what the registry has. */
export function outdatedRow(
  datakit: string,
  requested: string,
  entry: LockEntry | undefined,
  registry: RegistryView,
): OutdatedRow {
  const wanted = resolveVersion(registry.tags, requested)?.version ?? null;
  const latest = newestVersion(registry.tags)?.version ?? null;
  const locked = entry?.version ?? null;
  const newer = (a: string | null, b: string | null) =>
    a !== null && (b === null || semver.gt(a, b));
  return {
    datakit,
    requested,
    locked,
    wanted,
    latest,
    tag: entry === undefined ? 'unlocked' : tagState(entry.digest, registry.lockedTagDigest),
    currentDigest: registry.lockedTagDigest ?? null,
    updateInRange: locked !== null && newer(wanted, locked),
    updateOutOfRange: newer(latest, wanted ?? locked),
  };
}

/** One row per pinned datakit of a warehouse, by name, asking the registry for each. */
export async function findOutdated(
  loaded: LoadedWarehouse,
  registry: PinRegistry,
): Promise<OutdatedRow[]> {
  const rows: OutdatedRow[] = [];
  for (const datakit of Object.keys(loaded.warehouse.datakits).sort()) {
    const entry = loaded.lock?.datakits[datakit];
    const tags = await listTags(registry, datakit);
    const tag = entry === undefined ? undefined : lockedTag(entry);
    const lockedTagDigest =
      tag === undefined ? undefined : await currentDigest(registry, datakit, tag);
    const row = outdatedRow(datakit, loaded.warehouse.datakits[datakit]!.version, entry, {
      tags,
      lockedTagDigest,
    });
    rows.push({ ...row, upgrades: await upgradeImpacts(registry, row, entry) });
  }
  return rows;
}

/** The impact of moving from the locked image to `wanted` and `latest`, when they are newer. */
async function upgradeImpacts(
  registry: PinRegistry,
  row: OutdatedRow,
  entry: LockEntry | undefined,
): Promise<UpgradeImpact[]> {
  if (entry === undefined || row.locked === null) return [];
  const locked = row.locked;
  const targets = [...new Set([row.wanted, row.latest])].filter(
    (v): v is string => v !== null && semver.valid(v) !== null && semver.gt(v, locked),
  );
  const impacts: UpgradeImpact[] = [];
  for (const version of targets) {
    const impact = await upgradeImpact(
      registry,
      row.datakit,
      { version: locked, reference: entry.digest },
      { version, reference: version },
    );
    if (impact !== undefined) impacts.push(impact);
  }
  return impacts;
}
