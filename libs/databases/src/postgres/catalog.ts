import type { LiveSchema } from '@datakit/drift';

/** The part of a node-postgres client the catalog read uses, so any client or pool fits. */
export interface Queryable {
  query<TRow>(text: string, values?: unknown[]): Promise<{ rows: TRow[] }>;
}

interface CatalogRow {
  table_name: string;
  column_name: string;
  type: string;
  domain: string | null;
  domain_base_type: string | null;
  enum_values: string[] | null;
  not_null: boolean;
  has_default: boolean;
  key_position: number | null;
  is_view: boolean;
}

// One query for every table: columns with format_type, domains and enums resolved, NOT NULL
// from the column or its domain, and the position of the column in the primary key.
const CATALOG_QUERY = `
select c.relname as table_name,
       a.attname as column_name,
       format_type(a.atttypid, a.atttypmod) as type,
       case when t.typtype = 'd' then t.typname end as domain,
       case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as domain_base_type,
       case when coalesce(bt.typtype, t.typtype) = 'e' then
         array(select e.enumlabel::text from pg_enum e
               where e.enumtypid = coalesce(bt.oid, t.oid) order by e.enumsortorder)
       end as enum_values,
       (a.attnotnull or (t.typtype = 'd' and t.typnotnull)) as not_null,
       a.atthasdef as has_default,
       array_position(i.indkey::int2[], a.attnum) as key_position,
       c.relkind in ('v', 'm') as is_view
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  join pg_type t on t.oid = a.atttypid
  left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
  left join pg_index i on i.indrelid = c.oid and i.indisprimary
 where n.nspname = $1
   and c.relname = any($2::text[])
   and c.relkind in ('r', 'p', 'v', 'm', 'f')
 order by c.relname, a.attnum`;

/**
 * Reads the live definition of the named tables of one schema from the PostgreSQL catalog:
 * columns with their `format_type` spelling, domains, enum labels, nullability, defaults, and
 * the primary key; views and materialized views are marked as such. Tables that do not exist
 * are left out of the result.
 */
export async function readLiveSchema(
  client: Queryable,
  schema: string,
  tables: readonly string[],
): Promise<LiveSchema> {
  const { rows } = await client.query<CatalogRow>(CATALOG_QUERY, [schema, [...tables]]);
  const result: LiveSchema = { schema, tables: {} };
  const keys = new Map<string, { name: string; position: number }[]>();
  for (const row of rows) {
    const table = (result.tables[row.table_name] ??= {
      schema,
      name: row.table_name,
      columns: [],
      primaryKey: [],
      ...(row.is_view ? { view: true } : {}),
    });
    table.columns.push({
      name: row.column_name,
      type: row.type,
      ...(row.domain === null ? {} : { domain: row.domain }),
      ...(row.domain_base_type === null ? {} : { domainBaseType: row.domain_base_type }),
      ...(row.enum_values === null ? {} : { enumValues: row.enum_values }),
      nullable: !row.not_null,
      hasDefault: row.has_default,
    });
    if (row.key_position !== null) {
      const list = keys.get(row.table_name) ?? [];
      list.push({ name: row.column_name, position: row.key_position });
      keys.set(row.table_name, list);
    }
  }
  for (const [name, list] of keys) {
    const table = result.tables[name];
    if (table) table.primaryKey = list.sort((a, b) => a.position - b.position).map((k) => k.name);
  }
  return result;
}
