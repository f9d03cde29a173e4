import { ConfigError } from '@datakit/errors';
import type { LiveColumn, LiveTable } from '@datakit/drift';
import type { Connection } from '@datakit/warehouse';

import type { ConnectionOf } from './adapter.ts';
import { openSource } from './create-adapter.ts';
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
 * `ConfigError`. SQL Server: only named tables, without partitions, references or comments.
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
      return discoverNamedTables(connection, schema, tables);
  }
}

/**
 * Any other database, through its source adapter's catalog read alone: the tables must be
 * named (the adapter lists none), and carry no partitions, references or comments.
 */
async function discoverNamedTables(
  connection: Connection,
  schema: string,
  tables: readonly string[] | undefined,
): Promise<DiscoveredSchema> {
  if (tables === undefined || tables.length === 0) {
    // TODO(issue 15): list a SQL Server schema's tables (a statement the TDS test server answers).
    throw new ConfigError(
      `A ${connection.kind} schema's tables cannot be listed yet: name the tables to read.`,
      { hint: 'Pass --tables, e.g. --tables Customers,Orders.' },
    );
  }
  const session = await openSource('source', connection);
  try {
    const live = await session.readCatalog(schema, tables);
    const missing = tables.filter((name) => live.tables[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `Schema "${schema}" of ${session.label} has no table ${missing.map((m) => `"${m}"`).join(', ')}.`,
        { hint: 'Table names are matched as the database spells them.' },
      );
    }
    return {
      kind: connection.kind,
      schema,
      tables: tables.map((name) => ({
        ...live.tables[name]!,
        relation: 'table',
        partitionKey: [],
        references: [],
      })),
    };
  } finally {
    await session.close();
  }
}
