import { describe, expect, it } from 'vitest';

import { describeRejectLimits, overRejectLimit } from './reject-limit.ts';

describe('reject limits', () => {
  it('fails over the fraction, unless the rows are within the floor', () => {
    expect(overRejectLimit(3, 1, { threshold: 0.01 })).toBe(true);
    expect(overRejectLimit(3, 1, { threshold: 0.01, floor: 1 })).toBe(false);
    expect(overRejectLimit(3, 2, { threshold: 0.01, floor: 1 })).toBe(true);
    expect(overRejectLimit(1000, 5, { threshold: 0.01, floor: 0 })).toBe(false);
    expect(overRejectLimit(1000, 11, { threshold: 0.01, floor: 10 })).toBe(true);
    expect(overRejectLimit(0, 0, { threshold: 0 })).toBe(false);
    expect(overRejectLimit(10, 1, { threshold: 0 })).toBe(true);
  });

  it('names the limits', () => {
    expect(describeRejectLimits({ threshold: 0.01 })).toBe('the threshold of 1%');
    expect(describeRejectLimits({ threshold: 0.015, floor: 5 })).toBe(
      'both the threshold of 1.5% and 5 rows',
    );
  });
});
