import { ConfigError } from '@datakit/errors';
import type { EntitySchema } from '@mikro-orm/core';
import * as z from 'zod';

import type { ColumnBuilder, ColumnMeta, ValueGenerator, ValueOf } from './column.ts';
import { buildEntitySchema } from './_build-entity-schema.ts';

/** The columns of a table definition, keyed by the contract's column name. */
export type ColumnBuilders = Record<string, ColumnBuilder<unknown>>;

/**
 * What `defineTable` takes. Names follow the naming rules of {@link defineTable}.
 *
 * @example
 * const Film = defineTable({
 *   name: 'film',
 *   schema: 'public',
 *   columns: { film_id: col.integer().primaryKey(), title: col.text() },
 * });
 * Film.definition; // what withAudit() and `{ ...Film.definition.columns }` reuse
 */
export interface TableDefinition<TColumns extends ColumnBuilders> {
  /** Table name, e.g. `customer`; matches `^[a-z_][a-z0-9_$]*$`. */
  name: string;
  /** Database schema; defaults to `public`; matches `^[a-z_][a-z0-9_$]*$`. */
  schema?: string;
  /**
   * The table's name in the source database when it is not a plain identifier (spaces,
   * capitals, reserved words: `"Order Lines"`, `Orders`), as the database spells it, unquoted.
   * Defaults to `name`. Only reading uses it: a target table is always created as `name`.
   */
  sourceName?: string;
  /** What the table holds, for people reading the spec. */
  description?: string;
  /** Name of the MikroORM entity; defaults to the table name in PascalCase (`FilmActor`). */
  entityName?: string;
  /** The columns; the key is the contract's column name, which is also the row's property. */
  columns: TColumns;
}

/** One column of a defined table: its metadata plus what validation and factories need. */
export interface Column<TValue = unknown> extends ColumnMeta {
  /** The contract's column name (the row property). */
  readonly name: string;
  /** The column name in the source system; equal to `name` unless `.source()` renamed it. */
  readonly sourceName: string;
  /** Validates one value, `null` included when nullable. */
  readonly zod: z.ZodType<TValue>;
  /** A custom generator for test factories, when the kind needs one. */
  readonly generate: ValueGenerator<NonNullable<TValue>> | undefined;
}

/** A row of the table: every column present, nullable ones as `T | null`. */
export type RowFromColumns<TColumns extends ColumnBuilders> = {
  -readonly [TKey in keyof TColumns]: ValueOf<TColumns[TKey]>;
};

/**
 * One table contract: the single definition from which the zod schema, the TypeScript row type
 * ({@link RowOf}) and the MikroORM entity schema are derived.
 */
export interface Table<TColumns extends ColumnBuilders = ColumnBuilders> {
  /** Table name. */
  readonly name: string;
  /** Database schema. */
  readonly schema: string;
  /** The table's name in the source database; equal to `name` unless the definition renamed it. */
  readonly sourceName: string;
  /** `schema.name`. */
  readonly qualifiedName: string;
  /** What the table holds. */
  readonly description: string | undefined;
  /** The columns in declaration order, keyed by contract name. */
  readonly columns: { readonly [TKey in keyof TColumns]: Column<ValueOf<TColumns[TKey]>> };
  /** The primary key columns in declaration order; empty when the table has none. */
  readonly primaryKey: readonly (keyof TColumns & string)[];
  /** The incremental cursor column, if any. */
  readonly cursor: (keyof TColumns & string) | undefined;
  /** Whether {@link withAudit} added the audit columns. */
  readonly audited: boolean;
  /** Validates a whole row: every column present, no unknown keys. */
  readonly zod: z.ZodType<RowFromColumns<TColumns>>;
  /** The MikroORM entity schema: properties are contract names, field names source names. */
  readonly entity: EntitySchema<RowFromColumns<TColumns>>;
  /** The definition this table was made from (used by `withAudit`). */
  readonly definition: TableDefinition<TColumns>;
}

/** Any table, whatever its columns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- column types vary per table; `any` lets every Table<C> match
export type AnyTable = Table<any>;

/** The TypeScript type of one row of a table. */
export type RowOf<TTable extends AnyTable> =
  TTable extends Table<infer TColumns> ? RowFromColumns<TColumns> : never;

const IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/**
 * Defines a table contract. Throws a `ConfigError` listing every problem at once: no columns,
 * a nullable key column, more than one cursor, names PostgreSQL would need to quote, or two
 * columns read from the same source column.
 *
 * **Naming rules.** The contract's table name, schema and column names (the keys of `columns`,
 * which are also the row's properties and the target table's names) match
 * `^[a-z_][a-z0-9_$]*$`: lowercase, so PostgreSQL never needs to quote them. A source name that
 * does not fit (capitals, spaces, a quoted name) is given as the database spells it, unquoted:
 * `sourceName` for the table, `.source(name)` for a column. Lowercase reserved words (`order`,
 * `user`) fit the rule and are quoted by the loaders. The generated entity name is the table
 * name in PascalCase unless `entityName` says otherwise.
 *
 * @example
 * const Customer = defineTable({
 *   name: 'customer',
 *   columns: {
 *     customer_id: col.integer().primaryKey(),
 *     email: col.text().nullable(),
 *     last_update: col.timestamptz().cursor(),
 *   },
 * });
 * type CustomerRow = RowOf<typeof Customer>;
 * // { customer_id: number; email: string | null; last_update: TimestampValue }
 *
 * @example
 * // The source table "Order" with the columns "OrderID" and "user": names that need quotes.
 * const Order = defineTable({
 *   name: 'order',
 *   sourceName: 'Order',
 *   schema: 'public',
 *   description: 'One customer order',
 *   columns: {
 *     order_id: col.integer().primaryKey().source('OrderID'),
 *     user: col.text(),
 *   },
 * });
 * Order.qualifiedName; // 'public.order'
 * Order.columns.order_id.sourceName; // 'OrderID'
 */
export function defineTable<const TColumns extends ColumnBuilders>(
  definition: TableDefinition<TColumns>,
): Table<TColumns> {
  return buildTable(definition, false);
}

/** Builds a table; `audited` is set by `withAudit`. Not exported from the package. */
export function buildTable<TColumns extends ColumnBuilders>(
  definition: TableDefinition<TColumns>,
  audited: boolean,
): Table<TColumns> {
  const schema = definition.schema ?? 'public';
  const problems = findProblems(definition);
  if (problems.length > 0) {
    throw new ConfigError(
      `Table contract ${schema}.${definition.name} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'Fix the column definitions passed to defineTable().' },
    );
  }

  const columns = Object.fromEntries(
    Object.entries(definition.columns).map(([name, builder]) => [
      name,
      Object.freeze({
        ...builder.meta,
        name,
        sourceName: builder.sourceName ?? name,
        // Built on first use (see the builders): a run validates with plain predicates.
        get zod() {
          return builder.zod;
        },
        generate: builder.generate,
      }),
    ]),
  ) as Table<TColumns>['columns'];
  const list = Object.values(columns) as Column[];
  let rowSchema: z.ZodType<RowFromColumns<TColumns>> | undefined;

  let entity: EntitySchema<RowFromColumns<TColumns>> | undefined;
  const table: Table<TColumns> = {
    name: definition.name,
    schema,
    sourceName: definition.sourceName ?? definition.name,
    qualifiedName: `${schema}.${definition.name}`,
    description: definition.description,
    columns,
    primaryKey: list.filter((c) => c.primaryKey).map((c) => c.name),
    cursor: list.find((c) => c.cursor)?.name,
    audited,
    get zod() {
      rowSchema ??= z.strictObject(
        Object.fromEntries(list.map((column) => [column.name, column.zod])),
      ) as unknown as z.ZodType<RowFromColumns<TColumns>>;
      return rowSchema;
    },
    // Built on first use (see buildEntitySchema): the loader never asks for it.
    get entity() {
      entity ??= buildEntitySchema<RowFromColumns<TColumns>>({
        entityName: definition.entityName ?? pascalCase(definition.name),
        tableName: definition.name,
        schema,
        columns: list,
      });
      return entity;
    },
    definition,
  };
  return Object.freeze(table);
}

function findProblems(definition: TableDefinition<ColumnBuilders>): string[] {
  const problems: string[] = [];
  if (!IDENTIFIER.test(definition.name)) {
    problems.push(`table name "${definition.name}" must match ${IDENTIFIER.source}`);
  }
  if (definition.schema !== undefined && !IDENTIFIER.test(definition.schema)) {
    problems.push(`schema "${definition.schema}" must match ${IDENTIFIER.source}`);
  }
  if (definition.sourceName !== undefined && definition.sourceName.trim() === '') {
    problems.push('sourceName is empty; leave it out to read the table by its name');
  }
  const entries = Object.entries(definition.columns);
  if (entries.length === 0) problems.push('it has no columns; add at least one');

  const cursors = entries.filter(([, b]) => b.meta.cursor).map(([name]) => name);
  if (cursors.length > 1) {
    problems.push(`${cursors.join(', ')} are all marked .cursor(); keep exactly one`);
  }
  const bySource = new Map<string, string[]>();
  for (const [name, builder] of entries) {
    if (!IDENTIFIER.test(name)) problems.push(`column "${name}" must match ${IDENTIFIER.source}`);
    if (builder.meta.primaryKey && builder.meta.nullable) {
      problems.push(`${name} is a primary key column and nullable; drop one of the two`);
    }
    const source = builder.sourceName ?? name;
    bySource.set(source, [...(bySource.get(source) ?? []), name]);
  }
  for (const [source, names] of bySource) {
    if (names.length > 1) {
      problems.push(`${names.join(', ')} all read source column "${source}"; each needs its own`);
    }
  }
  return problems;
}

function pascalCase(name: string): string {
  return name
    .split(/[_$]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}
