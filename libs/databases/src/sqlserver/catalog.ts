import type { LiveColumn, LiveSchema, LiveTable } from '@datakit/drift';

import { catalogStatement } from './statements.ts';
import type { CatalogRow } from './statements.ts';
import { formatSqlServerType, typeFromCatalog } from './types.ts';

/** Runs one statement and gives its rows as objects keyed by column name. */
export type RunQuery = (statement: string) => Promise<readonly Record<string, unknown>[]>;

/**
 * The live definition of the named tables (or views) of one schema, for the drift check:
 * columns in `column_id` order with their type spelled as SQL Server declares it
 * (`nvarchar(50)`, `decimal(12,2)`, `datetime2(7)`, `rowversion`), alias types resolved to
 * their base type (reported as a domain, like a PostgreSQL domain), nullability, whether an
 * insert may leave the column out (default, identity, computed, rowversion), and the primary
 * key in key order. Tables that do not exist are absent.
 */
export async function readSqlServerCatalog(
  run: RunQuery,
  schema: string,
  tables: readonly string[],
): Promise<LiveSchema> {
  const live: LiveSchema = { schema, tables: {} };
  if (tables.length === 0) return live;
  const rows = (await run(catalogStatement(schema, tables))).map(toCatalogRow);
  const keys = new Map<string, Array<{ column: string; ordinal: number }>>();
  for (const row of rows) {
    const table = (live.tables[row.table_name] ??= {
      schema,
      name: row.table_name,
      columns: [],
      primaryKey: [],
    } satisfies LiveTable);
    table.columns.push(liveColumn(row));
    if (row.key_ordinal !== null && row.key_ordinal > 0) {
      const list = keys.get(row.table_name) ?? [];
      list.push({ column: row.column_name, ordinal: row.key_ordinal });
      keys.set(row.table_name, list);
    }
  }
  for (const [name, list] of keys) {
    const table = live.tables[name];
    if (table !== undefined) {
      table.primaryKey = list.sort((a, b) => a.ordinal - b.ordinal).map((entry) => entry.column);
    }
  }
  return live;
}

function liveColumn(row: CatalogRow): LiveColumn {
  const base = row.base_type_name ?? row.type_name;
  const type = typeFromCatalog(base, row.max_length, row.precision, row.scale);
  const spelled = formatSqlServerType(type);
  const hasDefault = row.has_default === 1 || type.name === 'rowversion';
  if (row.base_type_name !== null) {
    return {
      name: row.column_name,
      type: row.type_name,
      domain: row.type_name,
      domainBaseType: spelled,
      nullable: row.is_nullable,
      hasDefault,
    };
  }
  return { name: row.column_name, type: spelled, nullable: row.is_nullable, hasDefault };
}

/** The drivers agree on these values but not always on their JavaScript types (bit, tinyint). */
function toCatalogRow(row: Record<string, unknown>): CatalogRow {
  const key = row['key_ordinal'];
  const base = row['base_type_name'];
  return {
    table_name: String(row['table_name']),
    column_name: String(row['column_name']),
    column_id: Number(row['column_id']),
    type_name: String(row['type_name']),
    base_type_name: base === null || base === undefined ? null : String(base),
    max_length: Number(row['max_length']),
    precision: Number(row['precision']),
    scale: Number(row['scale']),
    is_nullable:
      row['is_nullable'] === true || row['is_nullable'] === 1 || row['is_nullable'] === '1',
    has_default: Number(row['has_default']),
    key_ordinal: key === null || key === undefined ? null : Number(key),
  };
}
