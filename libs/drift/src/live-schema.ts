/**
 * The live definition of tables as a database's catalog describes it: what a database
 * adapter's `readCatalog` returns and the drift check compares with contracts. Types are
 * spelled as the database prints them; the adapter's dialect normalises them.
 */

/** One column as the database catalog describes it. */
export interface LiveColumn {
  /** Column name. */
  name: string;
  /** The type as the database's catalog spells it, e.g. `character varying(45)` (PostgreSQL) or `nvarchar(50)` (SQL Server). */
  type: string;
  /** For a column declared with a domain: the domain's base type (`integer` for pagila's `year`). */
  domainBaseType?: string;
  /** For a column declared with a domain: the domain's name. */
  domain?: string;
  /** For an enum column: its labels in declaration order. */
  enumValues?: string[];
  /** Whether the column accepts null (false when the column or its domain is `NOT NULL`). */
  nullable: boolean;
  /** Whether the column has a default (an insert may leave it out). */
  hasDefault: boolean;
}

/** One table (or view) as the catalog describes it. */
export interface LiveTable {
  /** Schema name. */
  schema: string;
  /** Table name. */
  name: string;
  /** Columns in their physical order. */
  columns: LiveColumn[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
  /**
   * True for a view (or materialized view): the catalog knows no key and no NOT NULL for its
   * columns, so a source contract's own are taken instead of being reported as drift.
   */
  view?: boolean;
}

/** The live state of some tables of one schema. A table that does not exist is absent. */
export interface LiveSchema {
  /** Schema name. */
  schema: string;
  /** Tables found, by name. */
  tables: Record<string, LiveTable>;
}
