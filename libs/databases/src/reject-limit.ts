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

/** What a load read and rejected, with the rows earlier runs had rejected among them. */
export interface RejectCounts {
  read: number;
  rejected: number;
  /**
   * Rows earlier runs rejected already, read again (at a shared cursor value, or by key) and
   * rejected again unchanged: they count neither as read nor as rejected, or a bad row at the
   * saved cursor value would fail every later run.
   */
  rejectedBefore?: number;
}

/** A load over its limits: the rows judged, and "3 of 200 rows were rejected (1.5%)". */
export interface RejectVerdict {
  read: number;
  rejected: number;
  summary: string;
}

/** The verdict when a load's new rejects are over the limits, else undefined. */
export function rejectsOverLimit(
  counts: RejectCounts,
  limits: RejectLimits,
): RejectVerdict | undefined {
  const before = counts.rejectedBefore ?? 0;
  const read = counts.read - before;
  const rejected = counts.rejected - before;
  if (!overRejectLimit(read, rejected, limits)) return undefined;
  return {
    read,
    rejected,
    summary: `${rejected} of ${read} rows were rejected (${percentOf(rejected / read)})`,
  };
}

function percentOf(fraction: number): string {
  return `${(fraction * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** The limits as a sentence part: "the threshold of 1%" or "the threshold of 1% and 5 rows". */
export function describeRejectLimits(limits: RejectLimits): string {
  const percent = percentOf(limits.threshold);
  const floor = limits.floor ?? 0;
  return floor > 0
    ? `both the threshold of ${percent} and ${floor} row${floor === 1 ? '' : 's'}`
    : `the threshold of ${percent}`;
}
