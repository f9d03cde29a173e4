/**
 * Database adapters: one interface per role (source, target), one folder per database with
 * the same files (`config`, `connect`, `catalog`, `read`, `types`, `errors`, `index`), and the
 * factory that picks an adapter from a connection's `kind`. See README.md.
 */
export type {
  ConnectionOf,
  ConnectionRole,
  CopyFormat,
  CopyFormatChoice,
  DatabaseKind,
  DatabaseSession,
  Dialect,
  ExtraColumnsPolicy,
  ReadRequest,
  SourceAdapter,
  SourceRows,
  SourceSession,
  TableLoad,
  RecentRunsQuery,
  RejectRecord,
  RejectsQuery,
  RunRecord,
  StoppedRun,
  TableLoadResult,
  TargetAdapter,
  TargetSession,
  WriteMode,
} from './adapter.ts';
export {
  createSourceAdapter,
  createTargetAdapter,
  openSource,
  openTarget,
} from './create-adapter.ts';
export {
  BOOKKEEPING_SCHEMA,
  createTableSql,
  formatMigration,
  migrationSteps,
  postgresSource,
  postgresTarget,
} from './postgres/index.ts';
export type { MigrationStep, PostgresSession } from './postgres/index.ts';
export { mssql, ODBC_DRIVERS, sqlServerAdapter, sqlServerDialect } from './sqlserver/index.ts';
export type { OdbcDriver, SqlServerConnection } from './sqlserver/index.ts';
export { discoverSource } from './discover-source.ts';
export type { DiscoveredColumn, DiscoveredSchema, DiscoveredTable } from './discover-source.ts';
export {
  describeRejectLimits,
  rejectsOverLimit,
  type RejectCounts,
  type RejectLimits,
  type RejectVerdict,
} from './reject-limit.ts';
