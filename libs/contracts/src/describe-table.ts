import type { ColumnKind, ColumnMeta } from './column.ts';
import type { AnyTable, Column } from './table.ts';

/** One column in the JSON description of a contract. Optional fields appear only when set. */
export interface ColumnSpec {
  /** The contract's column name. */
  name: string;
  /** The column name in the source system (equal to `name` unless renamed). */
  sourceName: string;
  /** The kind, which fixes the value representation. */
  kind: ColumnKind;
  /** The SQL type, e.g. `numeric(5,2)`. */
  sqlType: string;
  /** Whether null is allowed. */
  nullable: boolean;
  /** Whether the column is part of the primary key. */
  primaryKey: boolean;
  /** Whether the column is the incremental cursor. */
  cursor: boolean;
  /** Maximum length in characters. */
  maxLength?: number;
  /** Numeric precision. */
  precision?: number;
  /** Numeric scale. */
  scale?: number;
  /** Smallest allowed integer. */
  min?: number;
  /** Largest allowed integer. */
  max?: number;
  /** Allowed values of an enum. */
  values?: string[];
  /** SQL domain. */
  domain?: string;
  /** Element of an array column. */
  element?: ElementSpec;
  /** What the column means. */
  description?: string;
}

/** The element of an array column in the JSON description. */
export type ElementSpec = Omit<ColumnSpec, 'name' | 'sourceName' | 'primaryKey' | 'cursor'>;

/** The JSON description of a table contract: what image labels and `datakit spec` carry. */
export interface TableSpec {
  /** Table name. */
  name: string;
  /** Database schema. */
  schema: string;
  /** The table's name in the source database, when it differs from `name`. */
  sourceName?: string;
  /** What the table holds. */
  description?: string;
  /** Primary key columns, in declaration order. */
  primaryKey: string[];
  /** The cursor column, or null. */
  cursor: string | null;
  /** Whether the audit columns were added. */
  audited: boolean;
  /** The columns in declaration order. */
  columns: ColumnSpec[];
}

/** Describes a table contract as plain JSON-ready data (no functions, no zod, no Dates). */
export function describeTable(table: AnyTable): TableSpec {
  return {
    name: table.name,
    schema: table.schema,
    // Only when renamed, so the description (and the contract hash) of other tables is unchanged.
    ...(table.sourceName === table.name ? {} : { sourceName: table.sourceName }),
    ...(table.description === undefined ? {} : { description: table.description }),
    primaryKey: [...table.primaryKey],
    cursor: table.cursor ?? null,
    audited: table.audited,
    columns: (Object.values(table.columns) as Column[]).map((column) => ({
      name: column.name,
      sourceName: column.sourceName,
      ...describeType(column),
      primaryKey: column.primaryKey,
      cursor: column.cursor,
      ...(column.description === undefined ? {} : { description: column.description }),
    })),
  };
}

function describeType(meta: ColumnMeta): ElementSpec {
  return {
    kind: meta.kind,
    sqlType: meta.sqlType,
    nullable: meta.nullable,
    ...(meta.maxLength === undefined ? {} : { maxLength: meta.maxLength }),
    ...(meta.precision === undefined ? {} : { precision: meta.precision }),
    ...(meta.scale === undefined ? {} : { scale: meta.scale }),
    ...(meta.min === undefined ? {} : { min: meta.min }),
    ...(meta.max === undefined ? {} : { max: meta.max }),
    ...(meta.values === undefined ? {} : { values: [...meta.values] }),
    ...(meta.domain === undefined ? {} : { domain: meta.domain }),
    ...(meta.element === undefined ? {} : { element: describeType(meta.element) }),
  };
}
