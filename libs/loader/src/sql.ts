import type { AnyTable, Column } from '@datakit/contracts';

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
 */
export function createTableSql(table: AnyTable, schema: string): string {
  const lines = columnsOf(table).map((column) => `  ${columnDefinition(column)}`);
  if (table.primaryKey.length > 0) {
    lines.push(`  PRIMARY KEY (${table.primaryKey.map((key: string) => ident(key)).join(', ')})`);
  }
  return `CREATE TABLE ${qualified(schema, table.name)} (\n${lines.join(',\n')}\n)`;
}
