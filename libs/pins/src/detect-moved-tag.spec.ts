import { describe, expect, it } from 'vitest';
import { tagState } from './detect-moved-tag.ts';

const a = `sha256:${'a'.repeat(64)}`;
const b = `sha256:${'b'.repeat(64)}`;

describe('tagState', () => {
  it('is same when the tag still points at the locked digest', () => {
    expect(tagState(a, a)).toBe('same');
  });

  it('is moved when the tag now points at another digest', () => {
    expect(tagState(a, b)).toBe('moved');
  });

  it('is missing when the tag is gone', () => {
    expect(tagState(a, undefined)).toBe('missing');
  });
});
