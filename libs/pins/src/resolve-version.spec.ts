import { describe, expect, it } from 'vitest';
import { newestVersion, resolveVersion, versionTags } from './resolve-version.ts';

const tags = ['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'latest', 'v1.9.1', '0.9.0'];

describe('resolveVersion', () => {
  it('picks the newest version a caret range allows, by semver and not alphabetically', () => {
    expect(resolveVersion(tags, '^1.0.0')).toEqual({ tag: '1.10.0', version: '1.10.0' });
  });

  it('picks the newest patch a tilde range allows, keeping the tag spelling', () => {
    expect(resolveVersion(tags, '~1.9.0')).toEqual({ tag: 'v1.9.1', version: '1.9.1' });
  });

  it('resolves an exact version to itself', () => {
    expect(resolveVersion(tags, '1.2.0')).toEqual({ tag: '1.2.0', version: '1.2.0' });
  });

  it('leaves prereleases out unless the range names one', () => {
    expect(resolveVersion(tags, '>=1.0.0')?.version).toBe('1.10.0');
    expect(resolveVersion(tags, '^2.0.0-rc.0')?.version).toBe('2.0.0-rc.1');
  });

  it('gives undefined when nothing satisfies the range', () => {
    expect(resolveVersion(tags, '^3.0.0')).toBeUndefined();
    expect(resolveVersion([], '*')).toBeUndefined();
  });
});

describe('versionTags and newestVersion', () => {
  it('lists version tags newest first and leaves other tags out', () => {
    expect(versionTags(tags).map((t) => t.tag)).toEqual([
      '2.0.0-rc.1',
      '1.10.0',
      'v1.9.1',
      '1.2.0',
      '1.0.0',
      '0.9.0',
    ]);
  });

  it('calls the newest release latest, and a prerelease only when there is no release', () => {
    expect(newestVersion(tags)?.version).toBe('1.10.0');
    expect(newestVersion(['1.0.0-rc.1', '1.0.0-rc.2'])?.version).toBe('1.0.0-rc.2');
    expect(newestVersion(['latest'])).toBeUndefined();
  });
});
