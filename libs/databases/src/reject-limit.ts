/**
 * How many rejected rows a table load may have: more than `threshold` of the rows read AND
 * more than `floor` rows fails it. The floor keeps a small incremental batch from failing on
 * one bad row (1 of 3 rows is 33%); the fraction scales with a full load.
 */
export interface RejectLimits {
  /** Fraction of the rows read, 0 to 1. */
  threshold: number;
  /** Rows always tolerated, whatever the fraction (default 0). */
  floor?: number;
}

/** Whether `rejected` of `read` rows is over the limits. */
export function overRejectLimit(read: number, rejected: number, limits: RejectLimits): boolean {
  if (rejected === 0) return false;
  return rejected / read > limits.threshold && rejected > (limits.floor ?? 0);
}

/** The limits as a sentence part: "the threshold of 1%" or "the threshold of 1% and 5 rows". */
export function describeRejectLimits(limits: RejectLimits): string {
  const percent = `${(limits.threshold * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  const floor = limits.floor ?? 0;
  return floor > 0
    ? `both the threshold of ${percent} and ${floor} row${floor === 1 ? '' : 's'}`
    : `the threshold of ${percent}`;
}
