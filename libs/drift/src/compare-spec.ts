import type { AnyTable, ColumnSpec, TableSpec } from '@datakit/contracts';

import { compareSchema, type CompareSchemaOptions, type DriftResult } from './compare-schema.ts';
import type { LiveSchema } from './live-schema.ts';

/**
 * `compareSchema` for contracts known only by their JSON description (`describeTable`'s
 * `TableSpec`), as an image's `dev.datakit.spec` label carries them: what `datakit verify`
 * compares with the live tables without running the image.
 */
export function compareSpecSchema(
  specs: readonly TableSpec[],
  live: LiveSchema,
  options: CompareSchemaOptions,
): DriftResult {
  return compareSchema(specs.map(tableFromSpec), live, options);
}

/**
 * The parts of a table contract that `compareSchema` reads (names, columns with their SQL
 * type, domain, enum values, nullability, key and cursor flags, the primary key), rebuilt
 * from its description. The cast is safe for that one use: a test checks that a contract and
 * its description compare the same.
 */
export function tableFromSpec(spec: TableSpec): AnyTable {
  const columns: Record<string, ColumnSpec> = {};
  for (const column of spec.columns) columns[column.name] = column;
  const table = {
    name: spec.name,
    schema: spec.schema,
    sourceName: spec.sourceName ?? spec.name,
    qualifiedName: `${spec.schema}.${spec.name}`,
    description: spec.description,
    columns,
    primaryKey: spec.primaryKey,
    cursor: spec.cursor ?? undefined,
    audited: spec.audited,
  };
  return table as unknown as AnyTable;
}
