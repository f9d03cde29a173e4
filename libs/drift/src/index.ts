/**
 * Schema drift: compare the live schema a database adapter reads from its catalog with table
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
export type { LiveCatalog, PlacedContract } from './compare-live-tables.ts';
export { compareSpecSchema, tableFromSpec } from './compare-spec.ts';
export { acceptedDriftLines, formatChange, formatDrift } from './format-drift.ts';
export type { LiveColumn, LiveSchema, LiveTable } from './live-schema.ts';
