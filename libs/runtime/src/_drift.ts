// The one place the runtime calls @datakit/drift.
import { acceptedDriftLines, compareLiveTables, formatBreakingDrift } from '@datakit/drift';
import type { DriftResult } from '@datakit/drift';

import type { DatabaseSession } from '@datakit/databases';

import type { CheckDriftInput, DriftReport } from './services.ts';

/**
 * Reads the live source and target schemas and compares them with the contracts. A target
 * table that does not exist yet is not drift: the loader creates it from the contract.
 */
export async function checkDrift(input: CheckDriftInput): Promise<DriftReport> {
  // Two sessions, two servers: both catalogs are read at once.
  const [source, target] = await Promise.all([
    compareSide(input, 'source', input.source),
    compareSide(input, 'target', input.target),
  ]);
  const results = [...source, ...target];
  return {
    ok: results.every((r) => r.ok),
    result: { source, target },
    text: formatBreakingDrift(results),
    accepted: acceptedDriftLines(results),
  };
}

function compareSide(
  input: CheckDriftInput,
  side: 'source' | 'target',
  connection: DatabaseSession,
): Promise<DriftResult[]> {
  const contracts = input.tables.map((table) =>
    side === 'source'
      ? { schema: table.sourceSchema, table: table.source }
      : { schema: table.targetSchema, table: table.target },
  );
  return compareLiveTables(connection, contracts, {
    side,
    extraColumns: input.extraColumns,
  });
}
