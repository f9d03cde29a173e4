import type { AnyTable } from '@datakit/contracts';

import { compareSchema, type CompareSchemaOptions, type DriftResult } from './compare-schema.ts';
import { formatDrift } from './format-drift.ts';
import { readLiveSchema, type Queryable } from './read-live-schema.ts';

/** A contract, and the live schema its table is in. */
export interface PlacedContract {
  schema: string;
  table: AnyTable;
}

/**
 * Reads the live tables of `contracts` (one catalog query per schema, since tables may live in
 * several) and compares each schema's tables with their contracts: one result per schema.
 */
export async function compareLiveTables(
  client: Queryable,
  contracts: readonly PlacedContract[],
  options: CompareSchemaOptions,
): Promise<DriftResult[]> {
  const bySchema = new Map<string, AnyTable[]>();
  for (const { schema, table } of contracts) {
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), table]);
  }
  const results: DriftResult[] = [];
  for (const [schema, tables] of bySchema) {
    const live = await readLiveSchema(
      client,
      schema,
      tables.map((t) => t.name),
    );
    results.push(compareSchema(tables, live, options));
  }
  return results;
}

/** The breaking changes of the results that drifted, as one readable diff ('' when none). */
export function formatBreakingDrift(results: readonly DriftResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => formatDrift(r, { breakingOnly: true }))
    .join('\n');
}
