import { AUDIT_COLUMN_NAMES } from '@datakit/contracts';
import type { AnyTable, Column } from '@datakit/contracts';

/** The session setting a load puts its run id in; `_run_id`'s default reads it. */
export const RUN_ID_SETTING = 'datakit.run_id';

/**
 * Defaults of the audit columns in tables the loader creates: a load copies only the data
 * columns and PostgreSQL fills these once per row from the transaction (cheaper than parsing
 * four more fields per row). An insert outside a load finds no run id and fails, as it should.
 */
export const RUN_ID_DEFAULT = `current_setting('${RUN_ID_SETTING}')::uuid`;

const AUDIT_DEFAULTS: Record<string, string> = {
  _run_id: RUN_ID_DEFAULT,
  _loaded_at: 'now()',
  _created_at: 'now()',
  _updated_at: 'now()',
};

/** `"name"`, with embedded quotes doubled. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

/** A string literal (standard_conforming_strings is on: only quotes need doubling). */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The columns of a table contract in declaration order. */
export function columnsOf(table: AnyTable): Column[] {
  return Object.values(table.columns) as Column[];
}

/** One column's definition in CREATE TABLE / ADD COLUMN. */
export function columnDefinition(column: Column, options: { notNull?: boolean } = {}): string {
  const notNull = options.notNull ?? !column.nullable;
  return `${ident(column.name)} ${column.sqlType}${notNull ? ' NOT NULL' : ''}`;
}

/**
 * CREATE TABLE for a target contract: columns, NOT NULL and the primary key from the
 * contract; no foreign keys (bronze tables load in any order and keep what the source had).
 * `primaryKey: false` leaves the key out, for a load that adds it after copying the rows
 * (see {@link addPrimaryKeySql}).
 */
export function createTableSql(
  table: AnyTable,
  schema: string,
  options: { primaryKey?: boolean } = {},
): string {
  const audit = new Set<string>(table.audited ? AUDIT_COLUMN_NAMES : []);
  const lines = columnsOf(table).map((column) => {
    const definition = `  ${columnDefinition(column)}`;
    return audit.has(column.name)
      ? `${definition} DEFAULT ${AUDIT_DEFAULTS[column.name]}`
      : definition;
  });
  if (table.primaryKey.length > 0 && options.primaryKey !== false) {
    lines.push(`  PRIMARY KEY (${keyList(table)})`);
  }
  return `CREATE TABLE ${qualified(schema, table.name)} (\n${lines.join(',\n')}\n)`;
}

/**
 * The primary key added to a table created without it. Building the index once over the
 * loaded rows (a sort) is cheaper than maintaining it row by row during COPY, as PostgreSQL's
 * "Populating a Database" advises; the constraint gets the same name (`<table>_pkey`).
 */
export function addPrimaryKeySql(table: AnyTable, schema: string): string {
  return `ALTER TABLE ${qualified(schema, table.name)} ADD PRIMARY KEY (${keyList(table)})`;
}

function keyList(table: AnyTable): string {
  return table.primaryKey.map((key: string) => ident(key)).join(', ');
}
