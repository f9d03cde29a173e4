/**
 * Schema drift: read the live PostgreSQL schema from the catalog, compare it with table
 * contracts, and report the differences as data and as a readable diff.
 */
export { assertNoDrift } from './assert-no-drift.ts';
export { compareSchema } from './compare-schema.ts';
export type {
  CompareSchemaOptions,
  DriftChange,
  DriftKind,
  DriftResult,
  ExtraColumnsPolicy,
  TableDrift,
} from './compare-schema.ts';
export { compareLiveTables, formatBreakingDrift } from './compare-live-tables.ts';
export type { PlacedContract } from './compare-live-tables.ts';
export { compareSpecSchema, tableFromSpec } from './compare-spec.ts';
export { formatChange, formatDrift } from './format-drift.ts';
export { normalizeSqlType } from './normalize-sql-type.ts';
export { readLiveSchema } from './read-live-schema.ts';
export type { LiveColumn, LiveSchema, LiveTable, Queryable } from './read-live-schema.ts';
