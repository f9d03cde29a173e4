import { describe, expect, it } from 'vitest';
import type { LockEntry } from '@datakit/warehouse';
import { outdatedRow } from './find-outdated.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (version: string, c = 'a'): LockEntry => ({
  requested: '^1.0.0',
  version,
  reference: `127.0.0.1:5000/dk:${version}@${digest(c)}`,
  digest: digest(c),
  contractHash: digest('c'),
});
const tags = ['1.0.0', '1.1.0', '2.0.0'];

describe('outdatedRow', () => {
  it('shows an update within the range and a newer version outside it', () => {
    expect(
      outdatedRow('dk', '^1.0.0', entry('1.0.0'), { tags, lockedTagDigest: digest('a') }),
    ).toEqual({
      datakit: 'dk',
      requested: '^1.0.0',
      locked: '1.0.0',
      wanted: '1.1.0',
      latest: '2.0.0',
      tag: 'same',
      currentDigest: digest('a'),
      updateInRange: true,
      updateOutOfRange: true,
    });
  });

  it('shows nothing to update when the lock has the newest version', () => {
    const row = outdatedRow('dk', '^2.0.0', entry('2.0.0'), { tags, lockedTagDigest: digest('a') });
    expect(row).toMatchObject({ wanted: '2.0.0', updateInRange: false, updateOutOfRange: false });
  });

  it('reports a moved tag and keeps the locked version', () => {
    const row = outdatedRow('dk', '^1.0.0', entry('1.1.0'), { tags, lockedTagDigest: digest('b') });
    expect(row).toMatchObject({ locked: '1.1.0', tag: 'moved', currentDigest: digest('b') });
  });

  it('reports a deleted tag as missing', () => {
    const row = outdatedRow('dk', '^1.0.0', entry('1.0.5'), { tags, lockedTagDigest: undefined });
    expect(row).toMatchObject({ tag: 'missing', currentDigest: null, updateInRange: true });
  });

  it('shows an unlocked pin with what it would resolve to', () => {
    const row = outdatedRow('dk', '~1.0.0', undefined, { tags, lockedTagDigest: undefined });
    expect(row).toMatchObject({
      locked: null,
      wanted: '1.0.0',
      tag: 'unlocked',
      updateInRange: false,
      updateOutOfRange: true,
    });
  });

  it('has no wanted version when nothing in the registry satisfies the range', () => {
    const row = outdatedRow('dk', '^3.0.0', entry('1.0.0'), { tags, lockedTagDigest: digest('a') });
    expect(row).toMatchObject({ wanted: null, latest: '2.0.0', updateInRange: false });
    expect(row.updateOutOfRange).toBe(true);
  });
});
