import { describe, expect, it } from 'vitest';

import { describeRejectLimits, overRejectLimit, rejectsOverLimit } from './reject-limit.ts';

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

describe('rejectsOverLimit', () => {
  it('leaves out the rows earlier runs rejected, as read and as rejected', () => {
    const limits = { threshold: 0.01 };
    // 3 of 103 read are old rejects: 1 new reject of 100 is 1%, not over.
    expect(rejectsOverLimit({ read: 103, rejected: 4, rejectedBefore: 3 }, limits)).toBeUndefined();
    expect(rejectsOverLimit({ read: 103, rejected: 4 }, limits)).toEqual({
      read: 103,
      rejected: 4,
      summary: '4 of 103 rows were rejected (3.88%)',
    });
    expect(rejectsOverLimit({ read: 103, rejected: 5, rejectedBefore: 3 }, limits)?.summary).toBe(
      '2 of 100 rows were rejected (2%)',
    );
  });
});
