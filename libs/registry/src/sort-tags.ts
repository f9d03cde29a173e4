import semver from 'semver';

/**
 * Sorts tags newest first: semver tags (a leading `v` is accepted) by semver precedence,
 * descending, so `1.10.0` comes before `1.9.0` and a release before its prereleases; then every
 * other tag (`latest`, `main`, `sha-abc123`) in alphabetical order. Two tags with the same
 * version (`1.0.0`, `v1.0.0`) keep a stable alphabetical order. Returns a new array.
 */
export function sortTags(tags: readonly string[]): string[] {
  const versioned: { tag: string; version: string }[] = [];
  const other: string[] = [];
  for (const tag of tags) {
    const version = semver.valid(tag);
    if (version === null) other.push(tag);
    else versioned.push({ tag, version });
  }
  versioned.sort((a, b) => semver.rcompare(a.version, b.version) || compareText(a.tag, b.tag));
  other.sort(compareText);
  return [...versioned.map((entry) => entry.tag), ...other];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
