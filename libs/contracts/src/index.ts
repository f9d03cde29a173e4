/**
 * Typed data contracts: one table definition gives a zod schema, the TypeScript row type and a
 * MikroORM entity schema; plus the audit mixin, contract hashes, spec descriptions, typed
 * transforms, test factories and batch validation.
 */
export { col } from './column.ts';
export type {
  ColumnBuilder,
  ColumnKind,
  ColumnMeta,
  CustomOptions,
  EnumOptions,
  IntegerOptions,
  JsonValue,
  PgInfinity,
  RandomSource,
  TimestampValue,
  ValueGenerator,
  ValueOf,
} from './column.ts';
export {
  FIRST_TIMESTAMP_MS,
  civilFromDays,
  daysFromCivil,
  formatInterval,
  formatMoney,
  formatPgDate,
  moneyCents,
  parseInterval,
  pgDateDays,
} from './pg-values.ts';
export type { IntervalFields } from './pg-values.ts';
export { defineTable } from './table.ts';
export type {
  AnyTable,
  Column,
  ColumnBuilders,
  RowFromColumns,
  RowOf,
  Table,
  TableDefinition,
} from './table.ts';
export { AUDIT_COLUMN_NAMES, auditColumns, dataColumns, withAudit } from './audit.ts';
export type { AuditColumnName, AuditColumns, DataRowOf } from './audit.ts';
export { describeTable } from './describe-table.ts';
export type { ColumnSpec, ElementSpec, TableSpec } from './describe-table.ts';
export { canonicalJson, contractHash } from './contract-hash.ts';
export { defineTransform, runTransform } from './transform.ts';
export { createRandom } from './_random.ts';
export type {
  AnyTransform,
  ColumnProjection,
  MapTransformDefinition,
  ProjectionTransformDefinition,
  RunTransformResult,
  SameColumns,
  Transform,
  TransformDefinition,
  TransformOutput,
  TransformRejection,
} from './transform.ts';
export {
  cursorIsUnique,
  defaultWriteMode,
  validWriteModes,
  WRITE_MODES,
  writeModeRefusal,
} from './write-mode.ts';
export type { WriteMode, WriteModeFacts } from './write-mode.ts';
export { makeFactory } from './make-factory.ts';
export type { Factory, FactoryOptions, Overrides } from './make-factory.ts';
export { compileValidator } from './compile-validator.ts';
export type { CompileValidatorOptions, RowValidator } from './compile-validator.ts';
export { formatIssues, validateRow, validateRows } from './validate-rows.ts';
export type { RejectedRow, RowValidationResult, ValidateRowsResult } from './validate-rows.ts';
export { diffableSpecOf, diffContracts, formatContractDiff } from './diff-contracts.ts';
export type {
  ChangeClass,
  ChangeKind,
  ContractChange,
  ContractDiff,
  DiffableSpec,
  DiffableTransform,
} from './diff-contracts.ts';
