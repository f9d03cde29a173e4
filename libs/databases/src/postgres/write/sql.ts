import { AUDIT_COLUMN_NAMES } from '@datakit/contracts';
import type { AnyTable, Column, ColumnMeta } from '@datakit/contracts';

/** The session setting a load puts its run id in; `_run_id`'s default reads it. */
export const RUN_ID_SETTING = 'datakit.run_id';

/**
 * Defaults of the audit columns in tables the loader creates: a load copies only the data
 * columns. In a table it creates, the columns are added after the rows and PostgreSQL keeps
 * each default's one value for all of them (see {@link addAuditColumnsSql}); in an existing
 * table it fills them per row from the transaction. An insert outside a load finds no run id
 * and fails, as it should.
 */
const RUN_ID_DEFAULT = `current_setting('${RUN_ID_SETTING}')::uuid`;

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

/**
 * One column's definition in CREATE TABLE / ADD COLUMN. With `schema`, an enum column's type
 * is that schema's type of its name (see {@link enumTypesSql}); without, the name as written.
 */
export function columnDefinition(
  column: Column,
  options: { notNull?: boolean; schema?: string } = {},
): string {
  const notNull = options.notNull ?? !column.nullable;
  const type = options.schema === undefined ? column.sqlType : targetType(column, options.schema);
  return `${ident(column.name)} ${type}${notNull ? ' NOT NULL' : ''}`;
}

/** The SQL type of a column in a target table: enum types qualified with the target schema. */
function targetType(column: ColumnMeta, schema: string): string {
  if (column.kind === 'array' && column.element !== undefined) {
    return `${targetType(column.element, schema)}[]`;
  }
  const enumType = enumTypeOf(column);
  return enumType === undefined ? column.sqlType : qualified(schema, enumType);
}

/** The enum type a column names (`typeName`), or undefined for a text-backed enum. */
function enumTypeOf(column: ColumnMeta): string | undefined {
  return column.kind === 'enum' && column.sqlType !== 'text' ? column.sqlType : undefined;
}

/**
 * Creates, in the target schema, each enum type a table's columns name that the schema does
 * not have yet, with the contract's values: the target's type is its own, never the source
 * database's (which the warehouse may not have). An existing type is kept as it is; the drift
 * check compares its values with the contract's.
 */
export function enumTypesSql(table: AnyTable, schema: string): string[] {
  const types = new Map<string, readonly string[]>();
  for (const column of columnsOf(table)) {
    const meta: ColumnMeta = column.kind === 'array' ? (column.element ?? column) : column;
    const name = enumTypeOf(meta);
    if (name !== undefined && !types.has(name)) types.set(name, meta.values ?? []);
  }
  return [...types].map(
    ([name, values]) =>
      `DO $datakit$ BEGIN CREATE TYPE ${qualified(schema, name)} AS ENUM (${values.map(literal).join(', ')}); ` +
      'EXCEPTION WHEN duplicate_object THEN NULL; END $datakit$',
  );
}

/**
 * CREATE TABLE for a target contract (after the enum types it needs, see
 * {@link enumTypesSql}): columns, NOT NULL and the primary key from the contract; no foreign keys (bronze tables load in any order and keep what the source had).
 * `primaryKey: false` leaves the key out, for a load that adds it after copying the rows
 * (see {@link addPrimaryKeySql}); `audit: false` leaves the audit columns out, for a load that
 * adds them after the rows (see {@link addAuditColumnsSql}).
 */
export function createTableSql(
  table: AnyTable,
  schema: string,
  options: { primaryKey?: boolean; audit?: boolean } = {},
): string {
  const audit = new Set<string>(table.audited ? AUDIT_COLUMN_NAMES : []);
  const lines = columnsOf(table)
    .filter((column) => options.audit !== false || !audit.has(column.name))
    .map((column) => {
      const definition = `  ${columnDefinition(column, { schema })}`;
      return audit.has(column.name) ? `${definition} ${auditDefault(column.name)}` : definition;
    });
  if (table.primaryKey.length > 0 && options.primaryKey !== false) {
    lines.push(`  PRIMARY KEY (${keyList(table)})`);
  }
  const create = `CREATE TABLE ${qualified(schema, table.name)} (\n${lines.join(',\n')}\n)`;
  return [...enumTypesSql(table, schema), create].join(';\n');
}

/**
 * The audit columns added, after its rows, to a table created without them (see
 * {@link createTableSql}). Their defaults are stable (the run id setting, `now()`), so
 * PostgreSQL evaluates each once and keeps the value in the catalog for every row already
 * there ("fast default", PostgreSQL 11): nothing is rewritten, the rows were copied without
 * four more values each (a narrow table's heap is a third smaller), and every row reads the
 * run's id and the transaction's time, as the defaults would have filled them during the copy.
 */
export function addAuditColumnsSql(table: AnyTable, schema: string): string {
  const audit = new Set<string>(AUDIT_COLUMN_NAMES);
  const added = columnsOf(table)
    .filter((column) => audit.has(column.name))
    .map(
      (column) => `ADD COLUMN ${columnDefinition(column, { schema })} ${auditDefault(column.name)}`,
    );
  return `ALTER TABLE ${qualified(schema, table.name)} ${added.join(', ')}`;
}

function auditDefault(name: string): string {
  return `DEFAULT ${AUDIT_DEFAULTS[name] as string}`;
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
