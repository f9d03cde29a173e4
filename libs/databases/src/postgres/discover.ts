import { ConfigError } from '@datakit/errors';

import type { ConnectionOf } from '../adapter.ts';
import type { DiscoveredSchema, DiscoveredTable } from '../discover-source.ts';
import { openPostgres } from './connect.ts';

interface RelationRow {
  table_name: string;
  relkind: string;
  comment: string | null;
  partition_key: string[] | null;
  references: string[] | null;
}

interface ColumnExtraRow {
  table_name: string;
  column_name: string;
  comment: string | null;
  domain_check: string | null;
}

// Tables, partitioned parents, views, materialized views and foreign tables of the schema;
// partitions are left out (their parent is the table). References: same-schema foreign keys.
const RELATIONS_QUERY = `
select c.relname as table_name,
       c.relkind::text as relkind,
       obj_description(c.oid, 'pg_class') as comment,
       case when c.relkind = 'p' then
         array(select a.attname::text from pg_partitioned_table pt
                 cross join unnest(pt.partattrs::int2[]) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = k.attnum
                where pt.partrelid = c.oid order by k.n)
       end as partition_key,
       array(select distinct r.relname::text from pg_constraint f
               join pg_class r on r.oid = f.confrelid
              where f.conrelid = c.oid and f.contype = 'f' and r.relnamespace = c.relnamespace
                and r.oid <> c.oid) as references
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = $1
   and c.relkind in ('r', 'p', 'v', 'm', 'f')
   and not c.relispartition
 order by c.relname`;

// Column comments and the CHECK of a column's domain (the first one), for integer bounds.
const COLUMN_EXTRAS_QUERY = `
select c.relname as table_name,
       a.attname as column_name,
       col_description(c.oid, a.attnum) as comment,
       (select pg_get_constraintdef(d.oid) from pg_constraint d
         where d.contypid = a.atttypid and d.contype = 'c' order by d.oid limit 1) as domain_check
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
 where n.nspname = $1 and c.relname = any($2::text[])`;

const RELATION: Record<string, DiscoveredTable['relation']> = {
  r: 'table',
  f: 'table',
  p: 'partitioned',
  v: 'view',
  m: 'view',
};

/** PostgreSQL's side of `discoverSource`. */
export async function discoverPostgres(
  connection: ConnectionOf<'postgres'>,
  schema: string,
  only?: readonly string[],
): Promise<DiscoveredSchema> {
  const session = await openPostgres('source', connection);
  try {
    const { rows: relations } = await session.client.query<RelationRow>(RELATIONS_QUERY, [schema]);
    const wanted =
      only === undefined ? relations : relations.filter((r) => only.includes(r.table_name));
    const missing = (only ?? []).filter((name) => !relations.some((r) => r.table_name === name));
    if (missing.length > 0) {
      throw new ConfigError(
        `Schema "${schema}" of ${session.label} has no table ${missing.map((m) => `"${m}"`).join(', ')} (partitions are read through their parent).`,
        { hint: `Tables there: ${relations.map((r) => r.table_name).join(', ') || 'none'}.` },
      );
    }
    const names = wanted.map((r) => r.table_name);
    const live = await session.readCatalog(schema, names);
    const { rows: extras } = await session.client.query<ColumnExtraRow>(COLUMN_EXTRAS_QUERY, [
      schema,
      names,
    ]);
    const extra = new Map(extras.map((e) => [`${e.table_name}\u0000${e.column_name}`, e]));
    const tables = wanted.flatMap((relation): DiscoveredTable[] => {
      const table = live.tables[relation.table_name];
      if (table === undefined) return [];
      return [
        {
          ...table,
          relation: RELATION[relation.relkind] ?? 'table',
          partitionKey: relation.partition_key ?? [],
          references: (relation.references ?? []).filter((r) => names.includes(r)).sort(),
          ...(relation.comment === null ? {} : { comment: relation.comment }),
          columns: table.columns.map((column) => {
            const more = extra.get(`${relation.table_name}\u0000${column.name}`);
            return {
              ...column,
              ...(more?.comment ? { comment: more.comment } : {}),
              ...integerBounds(more?.domain_check ?? null),
            };
          }),
        },
      ];
    });
    return { kind: 'postgres', schema, tables };
  } finally {
    await session.close();
  }
}

/** `CHECK (((VALUE >= 1901) AND (VALUE <= 2155)))` gives `{ min: 1901, max: 2155 }`. */
export function integerBounds(check: string | null): { min?: number; max?: number } {
  if (check === null) return {};
  const min = /VALUE >= \(?(-?\d+)\)?/.exec(check)?.[1];
  const max = /VALUE <= \(?(-?\d+)\)?/.exec(check)?.[1];
  return {
    ...(min === undefined ? {} : { min: Number(min) }),
    ...(max === undefined ? {} : { max: Number(max) }),
  };
}
