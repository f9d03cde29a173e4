import { describe, expect, it } from 'vitest';

import { isMajorBump } from './check-release.ts';

describe('isMajorBump', () => {
  it('is true for a new major over 1.x and false for a minor or patch', () => {
    expect(isMajorBump('1.1.0', '2.0.0')).toBe(true);
    expect(isMajorBump('1.1.0', '1.2.0')).toBe(false);
    expect(isMajorBump('1.1.0', '1.1.1')).toBe(false);
  });

  it('follows caret ranges below 1.0.0: a new minor of 0.x, any change of 0.0.x', () => {
    expect(isMajorBump('0.3.0', '0.4.0')).toBe(true);
    expect(isMajorBump('0.3.0', '0.3.1')).toBe(false);
    expect(isMajorBump('0.0.3', '0.0.4')).toBe(true);
  });
});
