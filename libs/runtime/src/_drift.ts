// The one place the runtime calls @datakit/drift.
import { compareSchema, formatDrift, readLiveSchema } from '@datakit/drift';
import type { AnyTable } from '@datakit/contracts';
import type { DriftResult } from '@datakit/drift';

import type { ConfiguredTable } from './load-config.ts';
import type { OpenConnection } from './open-connection.ts';
import type { CheckDriftInput, DriftReport } from './services.ts';

/**
 * Reads the live source and target schemas and compares them with the contracts. A target
 * table that does not exist yet is not drift: the loader creates it from the contract.
 */
export async function checkDrift(input: CheckDriftInput): Promise<DriftReport> {
  const source = await compareSide(input, 'source', input.source);
  const target = await compareSide(input, 'target', input.target);
  const results = [...source, ...target];
  const ok = results.every((r) => r.ok);
  return {
    ok,
    result: { source, target },
    text: results
      .filter((r) => !r.ok)
      .map((r) => formatDrift(r, { breakingOnly: true }))
      .join('\n'),
  };
}

async function compareSide(
  input: CheckDriftInput,
  side: 'source' | 'target',
  connection: OpenConnection,
): Promise<DriftResult[]> {
  // Tables may live in several schemas; one catalog query per schema.
  const bySchema = new Map<string, AnyTable[]>();
  for (const table of input.tables) {
    const schema = schemaOf(table, side);
    bySchema.set(schema, [
      ...(bySchema.get(schema) ?? []),
      side === 'source' ? table.source : table.target,
    ]);
  }
  const results: DriftResult[] = [];
  for (const [schema, contracts] of bySchema) {
    const live = await readLiveSchema(
      connection.client,
      schema,
      contracts.map((t) => t.name),
    );
    results.push(compareSchema(contracts, live, { side, extraColumns: input.extraColumns }));
  }
  return results;
}

function schemaOf(table: ConfiguredTable, side: 'source' | 'target'): string {
  return side === 'source' ? table.sourceSchema : table.targetSchema;
}
