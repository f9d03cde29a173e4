import { describe, expect, it } from 'vitest';
import { sortTags } from './sort-tags.ts';

describe('sortTags', () => {
  it('puts semver tags newest first by precedence, not alphabetically', () => {
    expect(sortTags(['1.2.0', '1.10.0', '1.9.0', '0.1.0'])).toEqual([
      '1.10.0',
      '1.9.0',
      '1.2.0',
      '0.1.0',
    ]);
  });

  it('puts a release before its prereleases', () => {
    expect(sortTags(['2.0.0-rc.1', '2.0.0', '2.0.0-rc.10', '1.0.0'])).toEqual([
      '2.0.0',
      '2.0.0-rc.10',
      '2.0.0-rc.1',
      '1.0.0',
    ]);
  });

  it('puts non-semver tags last, alphabetically', () => {
    expect(sortTags(['latest', '1.0.0', 'main', '1.1', 'sha-abc', '2.0.0'])).toEqual([
      '2.0.0',
      '1.0.0',
      '1.1',
      'latest',
      'main',
      'sha-abc',
    ]);
  });

  it('accepts a leading v and orders equal versions alphabetically', () => {
    expect(sortTags(['v1.0.0', '1.0.0', 'v2.0.0'])).toEqual(['v2.0.0', '1.0.0', 'v1.0.0']);
  });

  it('does not change its input', () => {
    const tags = ['1.0.0', '2.0.0'];
    sortTags(tags);
    expect(tags).toEqual(['1.0.0', '2.0.0']);
  });
});
