import { diffableSpecOf, diffContracts } from '@datakit/contracts';
import type { ContractChange, ContractDiff, DiffableSpec } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import { breakingCommitsSince } from './_breaking-commits.ts';
import type { DatakitProject } from './datakit-project.ts';
import { readVersionSpec, releasedVersions, releaseTagPrefix } from './read-version-spec.ts';

/** What a datakit's next version is judged by. */
export interface ReleaseCheck {
  datakit: string;
  /** The last release (git tag), or null for a first release. */
  released: string | null;
  /** The version being released. */
  version: string;
  /** The contract diff from the last release to the working tree (null for a first release). */
  diff: ContractDiff | null;
  /** The diffable specs the diff compared: the last release's and the working tree's. */
  specs?: { from: DiffableSpec | undefined; to: DiffableSpec };
  /** False when the diff is breaking and the version is not a major bump over the release. */
  ok: boolean;
  /** One sentence: why it passes or what to do. */
  message: string;
}

/**
 * The check CI runs on every change, before nx release has chosen a version: the package.json
 * version when it was already moved past the release, else the bump nx release will make from
 * conventional commits, which is major only when a commit since the release tag is marked
 * breaking. A breaking contract diff without one fails here, not at release time.
 */
export async function checkPendingRelease(
  project: DatakitProject,
  root: string,
): Promise<ReleaseCheck> {
  const released = releasedVersions(root, project.dir)[0];
  if (released === undefined || project.version !== released)
    return checkReleaseVersion(project, root);
  const tag = `${releaseTagPrefix(project.dir)}${released}`;
  const marked = breakingCommitsSince(root, tag, project.dir);
  if (marked.length > 0) {
    const check = await checkReleaseVersion(project, root, nextMajor(released));
    return { ...check, message: `${check.message} (marked breaking by "${marked[0]}")` };
  }
  const check = await checkReleaseVersion(project, root, released);
  if (check.ok) return check;
  const breaking = check.diff?.changes.filter((c) => c.class === 'breaking') ?? [];
  return {
    ...check,
    message: `${project.name}: ${breaking.length} breaking contract change(s) since ${tag} (${breaking.map(place).join('; ')}), but no commit since then is marked breaking, so nx release would not make ${nextMajor(released)}: mark the commit (\`feat!: ...\` or a \`BREAKING CHANGE:\` footer), or make the change additive`,
  };
}

/**
 * Checks a datakit's next version against the contract diff since its last release (its
 * newest `<project>@<version>` git tag): a breaking diff needs a version that a caret range
 * on the release excludes (a new major; for 0.x a new minor, for 0.0.x any change). The
 * working tree's contracts are compared; `version` defaults to its package.json version.
 */
export async function checkReleaseVersion(
  project: DatakitProject,
  root: string,
  version: string = project.version,
): Promise<ReleaseCheck> {
  const released = releasedVersions(root, project.dir)[0];
  if (released === undefined) {
    return {
      datakit: project.name,
      released: null,
      version,
      diff: null,
      ok: true,
      message: `${project.name} ${version} is its first release`,
    };
  }
  const [from, to] = await Promise.all([
    readVersionSpec(project, root, { kind: 'release', version: released }),
    readVersionSpec(project, root, { kind: 'working' }),
  ]);
  const older = diffableSpecOf(from.spec);
  const newer = diffableSpecOf(to.spec);
  if (newer === undefined)
    throw new ConfigError(`The spec of ${project.name} in the working tree has no contracts.`);
  const diff = diffContracts(older, newer);
  const tag = `${releaseTagPrefix(project.dir)}${released}`;
  const breaking = diff.changes.filter((c) => c.class === 'breaking');
  const ok = !diff.breaking || isMajorBump(released, version);
  return {
    datakit: project.name,
    released,
    version,
    diff,
    specs: { from: older, to: newer },
    ok,
    message: !diff.breaking
      ? `${project.name} ${released} -> ${version}: ${diff.changes.length} additive contract change(s), none breaking`
      : ok
        ? `${project.name} ${released} -> ${version}: ${breaking.length} breaking contract change(s), released as a major version`
        : `${project.name} ${released} -> ${version}: ${breaking.length} breaking contract change(s) since ${tag} need a major version (${nextMajor(released)}), not ${version}: ${breaking.map(place).join('; ')}`,
  };
}

/** Whether `^from` excludes `to`: what a caret pin on the release would not move to. */
export function isMajorBump(from: string, to: string): boolean {
  const [a = 0, b = 0, c = 0] = from.split(/[.-]/).map(Number);
  const [x = 0, y = 0, z = 0] = to.split(/[.-]/).map(Number);
  if (a > 0) return x > a;
  if (b > 0) return x > 0 || y > b;
  return x > 0 || y > 0 || z > c;
}

function nextMajor(version: string): string {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  return a > 0 ? `${a + 1}.0.0` : b > 0 ? `0.${b + 1}.0` : `0.0.${c + 1}`;
}

function place(change: ContractChange): string {
  return `${change.table}${change.column ? `.${change.column}` : ''}: ${change.message}`;
}
