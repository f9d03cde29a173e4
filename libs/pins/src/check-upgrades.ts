import { DriftError } from '@datakit/errors';
import type { LoadedWarehouse } from '@datakit/warehouse';
import { readImageLabels } from './_registry-reads.ts';
import { compareSide, specTables, type SideOutcome } from './_live-tables.ts';
import type { PinRegistry } from './pin-registry.ts';
import { upgradeImpact, type UpgradeImpact } from './upgrade-impact.ts';

const FULL_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** An image of a datakit in a plan: its version and manifest digest. */
export interface PlannedImage {
  /** The image's version, e.g. `1.4.2`. */
  version: string;
  /** Its manifest digest (`sha256:…`; from a Docker label, possibly cut to 63 characters). */
  digest: string;
}

/**
 * What {@link checkUpgrades} reads of a deploy plan: each datakit's change, from the image that
 * runs now to the one the deploy would run. A `DeployPlan` of `@datakit/deploy` is one.
 */
export interface PlannedChanges {
  /** One per datakit, as the plan lists them. */
  changes: readonly {
    datakit: string;
    /** Only `add` and `change` are checked. */
    action: 'add' | 'change' | 'remove' | 'unchanged';
    /** The image running now (undefined for a datakit the deploy adds). */
    from: PlannedImage | undefined;
    /** The image to run (undefined for a datakit the deploy removes). */
    to: PlannedImage | undefined;
  }[];
}

/** One datakit a deploy adds or moves to another image, and what that does to its tables. */
export interface UpgradeCheck {
  datakit: string;
  /** The version running now (undefined for a datakit the deploy adds). */
  from: string | undefined;
  to: string;
  /** The contract diff, notes and migration from the running image to the new one. */
  impact: UpgradeImpact | undefined;
  /**
   * The new image's target contracts compared with the live target tables (the tables the
   * running version made): `drift` stops the deploy until the migration is run.
   */
  live: SideOutcome;
}

/**
 * Before a deploy: for every datakit it adds or moves to another image, the upgrade impact
 * from the running image (read from the registry's labels) and, unless `live` is false, the
 * new target contracts compared with the live target tables as the runtime will compare them
 * (a missing table is created; columns the contract does not know are left alone). A target
 * the CLI cannot open here (Kerberos, the secret store) is skipped with the reason.
 */
export async function checkUpgrades(
  loaded: LoadedWarehouse,
  environment: string,
  plan: PlannedChanges,
  registry: PinRegistry,
  options: { live?: boolean } = {},
): Promise<UpgradeCheck[]> {
  const checks: UpgradeCheck[] = [];
  for (const change of plan.changes) {
    const to = change.to;
    if (to === undefined || (change.action !== 'add' && change.action !== 'change')) continue;
    const from = change.from;
    if (from !== undefined && from.digest === to.digest) continue;
    const impact =
      from === undefined
        ? undefined
        : await upgradeImpact(
            registry,
            change.datakit,
            // A Docker label holds the digest cut to 63 characters: then the tag finds the image.
            {
              version: from.version,
              reference: FULL_DIGEST.test(from.digest) ? from.digest : from.version,
            },
            { version: to.version, reference: to.digest },
          );
    const pin = loaded.warehouse.datakits[change.datakit];
    let live: SideOutcome;
    if (options.live === false) live = { status: 'skipped', reason: 'not checked (--no-live)' };
    else if (pin === undefined) live = { status: 'skipped', reason: 'not pinned' };
    else {
      const labels = await readImageLabels(registry, change.datakit, to.digest);
      const tables = labels?.spec === undefined ? undefined : specTables(labels.spec);
      live =
        tables === undefined
          ? { status: 'skipped', reason: `the image at ${to.digest} has no spec label` }
          : await compareSide(
              loaded,
              environment,
              pin.target,
              'target',
              tables.target,
              change.datakit,
            );
    }
    checks.push({ datakit: change.datakit, from: from?.version, to: to.version, impact, live });
  }
  return checks;
}

/**
 * The error that stops a deploy whose new contracts do not fit the live target tables (exit 3),
 * or undefined. It names each datakit and what differs; the migration is printed before it.
 */
export function upgradeDriftError(
  loaded: LoadedWarehouse,
  checks: readonly UpgradeCheck[],
): DriftError | undefined {
  const drifted = checks.filter((c) => c.live.status === 'drift');
  if (drifted.length === 0) return undefined;
  const lines = drifted.map(
    (c) =>
      `  ${c.datakit} ${c.from ?? '(new)'} -> ${c.to}, target connection "${loaded.warehouse.datakits[c.datakit]?.target}":\n    ${(c.live.status === 'drift' ? c.live.text : '').replaceAll('\n', '\n    ')}`,
  );
  return new DriftError(
    `${loaded.file}: the live target tables do not fit the contracts of the version to deploy; nothing was deployed:\n${lines.join('\n')}`,
    {
      hint: 'Run the migration printed above on the warehouse, then deploy again (or deploy with --no-live to skip this check).',
    },
  );
}
