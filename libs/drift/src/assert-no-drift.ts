import { DriftError } from '@datakit/errors';

import type { DriftResult } from './compare-schema.ts';
import { formatDrift } from './format-drift.ts';

/** Throws a `DriftError` listing every breaking change when the result has any. */
export function assertNoDrift(result: DriftResult): void {
  if (result.ok) return;
  throw new DriftError(formatDrift(result, { breakingOnly: true }), {
    hint:
      result.side === 'source'
        ? 'The source no longer matches the contract: update the contract (a new datakit version) or fix the source table.'
        : 'The target no longer matches the contract: migrate the target table, or load into a new schema.',
  });
}
