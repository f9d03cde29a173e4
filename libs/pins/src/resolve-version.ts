import { sortTags } from '@datakit/registry';
import semver from 'semver';

/** A registry tag that is a version. */
export interface VersionTag {
  /** The tag as the registry spells it (`1.4.2`, or `v1.4.2`). */
  tag: string;
  /** The version it stands for (`1.4.2`). */
  version: string;
}

/**
 * The tags that are versions, newest first (the registry's own order, see `sortTags`); other
 * tags (`latest`) are left out.
 */
export function versionTags(tags: readonly string[]): VersionTag[] {
  return sortTags(tags).flatMap((tag) => {
    const version = semver.valid(tag);
    return version === null ? [] : [{ tag, version }];
  });
}

/**
 * The newest tag that satisfies `requested` (an exact version or a range), or undefined.
 * Prereleases match only when the range names a prerelease of the same version, as npm does.
 */
export function resolveVersion(tags: readonly string[], requested: string): VersionTag | undefined {
  return versionTags(tags).find((t) => semver.satisfies(t.version, requested));
}

/** The newest release (a prerelease only when there is no release), or undefined. */
export function newestVersion(tags: readonly string[]): VersionTag | undefined {
  const versions = versionTags(tags);
  return versions.find((t) => semver.prerelease(t.version) === null) ?? versions[0];
}
