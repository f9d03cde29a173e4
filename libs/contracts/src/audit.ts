import { ConfigError } from '@datakit/errors';

import { col } from './column.ts';
import { buildTable } from './table.ts';
import type { AnyTable, Column, ColumnBuilders, RowOf, Table } from './table.ts';

/**
 * The audit columns every loaded row carries, all `NOT NULL`. The loader fills them; a
 * transform never does (its target row type is {@link DataRowOf}).
 */
export const auditColumns = {
  /** The run that last wrote the row (a UUID, also the run id in the runs bookkeeping table). */
  _run_id: col.uuid().describe('Run that last wrote this row'),
  /** When that run wrote the row: the load's transaction time. */
  _loaded_at: col.timestamptz().describe('When the last run wrote this row'),
  /** When the row's key was first loaded; kept as is when a merge updates the row. */
  _created_at: col.timestamptz().describe('When this key was first loaded'),
  /** When a load last changed the row's data columns; equals `_created_at` until then. */
  _updated_at: col.timestamptz().describe('When a load last changed this row'),
};

/** The audit columns' builders. */
export type AuditColumns = typeof auditColumns;

/** Names of the audit columns. */
export type AuditColumnName = keyof AuditColumns;

/** Names of the audit columns, in the order they are added. */
export const AUDIT_COLUMN_NAMES = Object.keys(auditColumns) as readonly AuditColumnName[];

/**
 * Adds the audit columns (see {@link auditColumns}) to a table, typically a bronze target.
 * Throws a `ConfigError` if the table already has a column of one of those names.
 *
 * @example
 * const BronzeCustomer = withAudit(
 *   defineTable({
 *     name: 'customer',
 *     schema: 'bronze',
 *     columns: { ...Customer.definition.columns },
 *   }),
 * );
 * BronzeCustomer.audited; // true
 * Object.keys(BronzeCustomer.columns);
 * // [...Customer's columns, '_run_id', '_loaded_at', '_created_at', '_updated_at']
 */
export function withAudit<TColumns extends ColumnBuilders>(
  table: Table<TColumns>,
): Table<TColumns & AuditColumns> {
  const clashes = AUDIT_COLUMN_NAMES.filter((name) => name in table.columns);
  if (clashes.length > 0) {
    throw new ConfigError(
      `Table contract ${table.qualifiedName} already has ${clashes.join(', ')}, which withAudit() adds`,
      { hint: 'Rename those columns, or do not call withAudit() twice on the same table.' },
    );
  }
  const definition = table.definition;
  return buildTable({ ...definition, columns: { ...definition.columns, ...auditColumns } }, true);
}

/**
 * A row of the table without the audit columns: what a transform returns.
 *
 * @example
 * const row: DataRowOf<typeof BronzeCustomer> = {
 *   customer_id: 1,
 *   email: null,
 *   last_update: new Date(),
 * }; // no _run_id, _loaded_at, _created_at, _updated_at
 */
export type DataRowOf<TTable extends AnyTable> = Omit<RowOf<TTable>, AuditColumnName>;

/**
 * The columns a transform fills, in declaration order: every column of the table but the audit
 * columns of an audited one (those are the loader's).
 *
 * @example
 * dataColumns(BronzeCustomer).map((c) => c.name); // ['customer_id', 'email', 'last_update']
 */
export function dataColumns(table: AnyTable): Column[] {
  const audit = new Set<string>(table.audited ? AUDIT_COLUMN_NAMES : []);
  return (Object.values(table.columns) as Column[]).filter((c) => !audit.has(c.name));
}
