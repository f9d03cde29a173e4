import { ConfigError } from '@datakit/errors';
import type { LiveColumn, LiveTable } from '@datakit/drift';
import type { Connection } from '@datakit/warehouse';

import type { ConnectionOf } from './adapter.ts';
import { discoverPostgres } from './postgres/discover.ts';

/**
 * One column as a generator needs it: the drift check's live column (type as the catalog
 * spells it, domain, enum labels, nullability) plus what only authoring uses.
 */
export interface DiscoveredColumn extends LiveColumn {
  /** Bounds of an integer domain's `CHECK (VALUE >= a AND VALUE <= b)`, when it has one. */
  min?: number;
  max?: number;
  /** The column's comment in the catalog. */
  comment?: string;
}

/** One table (or view) of a source schema as a generator needs it. */
export interface DiscoveredTable extends LiveTable {
  columns: DiscoveredColumn[];
  /** `table`, `partitioned` (its partitions are not listed: reading the parent reads them), `view`. */
  relation: 'table' | 'partitioned' | 'view';
  /** The partition key columns of a partitioned table, in key order. */
  partitionKey: string[];
  /** Tables of the same schema this table refers to by foreign key. */
  references: string[];
  /** The table's comment in the catalog. */
  comment?: string;
}

/** The tables of one source schema, in name order. */
export interface DiscoveredSchema {
  kind: Connection['kind'];
  schema: string;
  tables: DiscoveredTable[];
}

/**
 * Reads what a source datakit's contracts need from a live database: every table of `schema`
 * (or only `tables`), partitions folded into their parent, with columns, keys and references.
 * Opens the connection through the source adapter of its kind (so its catalog read is the one
 * the drift check uses) and closes it. A table named in `tables` that does not exist is a
 * `ConfigError` listing what the schema has.
 */
export async function discoverSource(
  connection: Connection,
  schema: string,
  tables?: readonly string[],
): Promise<DiscoveredSchema> {
  switch (connection.kind) {
    case 'postgres':
      return discoverPostgres(connection as ConnectionOf<'postgres'>, schema, tables);
    default:
      // TODO(issue 15): SQL Server discovery (readSqlServerCatalog plus a table list).
      throw new ConfigError(
        `Reading a source schema for a generator is implemented for PostgreSQL only; this connection is of kind "${connection.kind}".`,
        { hint: 'Write the contracts of a SQL Server source by hand (see datakits/sales-source).' },
      );
  }
}
