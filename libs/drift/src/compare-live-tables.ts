import type { AnyTable } from '@datakit/contracts';

import { compareSchema, type CompareSchemaOptions, type DriftResult } from './compare-schema.ts';
import { formatDrift } from './format-drift.ts';
import type { LiveSchema } from './live-schema.ts';

/** A contract, and the live schema its table is in. */
export interface PlacedContract {
  schema: string;
  table: AnyTable;
}

/**
 * What the comparison needs of a database session: its catalog and its type spellings. Every
 * database adapter's session (@datakit/databases) is one.
 */
export interface LiveCatalog {
  readCatalog(schema: string, tables: readonly string[]): Promise<LiveSchema>;
  readonly dialect: { normalizeType(sqlType: string): string };
}

/**
 * Reads the live tables of `contracts` (one catalog read per schema, since tables may live in
 * several) and compares each schema's tables with their contracts: one result per schema.
 */
export async function compareLiveTables(
  catalog: LiveCatalog,
  contracts: readonly PlacedContract[],
  options: Omit<CompareSchemaOptions, 'normalizeType'>,
): Promise<DriftResult[]> {
  const bySchema = new Map<string, AnyTable[]>();
  for (const { schema, table } of contracts) {
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), table]);
  }
  const results: DriftResult[] = [];
  for (const [schema, tables] of bySchema) {
    const live = await catalog.readCatalog(
      schema,
      tables.map((t) => (options.side === 'source' ? t.sourceName : t.name)),
    );
    results.push(
      compareSchema(tables, live, {
        ...options,
        normalizeType: (type) => catalog.dialect.normalizeType(type),
      }),
    );
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
