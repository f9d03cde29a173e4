import { createRequire } from 'node:module';

import type * as MikroOrmCore from '@mikro-orm/core';
import type { EntitySchema, EntitySchemaMetadata } from '@mikro-orm/core';

import type { ColumnKind, ColumnMeta } from './column.ts';

/** A column as the entity builder needs it. */
interface EntityColumn extends ColumnMeta {
  readonly name: string;
  readonly sourceName: string;
}

/** What the entity builder needs to know about a table. */
interface EntityInput {
  readonly entityName: string;
  readonly tableName: string;
  readonly schema: string;
  readonly columns: readonly EntityColumn[];
}

/** MikroORM's mapped type per kind; `columnType` always carries the exact SQL type. */
const MIKRO_TYPE: Record<Exclude<ColumnKind, 'enum' | 'array'>, string> = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'decimal',
  money: 'decimal',
  real: 'float',
  double: 'double',
  text: 'text',
  varchar: 'string',
  char: 'character',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'datetime',
  timestamptz: 'datetime',
  bytea: 'blob',
  jsonb: 'json',
  json: 'json',
  interval: 'interval',
  inet: 'string',
  cidr: 'string',
  tsvector: 'unknown',
  bit: 'string',
  varbit: 'string',
  xml: 'text',
  uuid: 'uuid',
  custom: 'unknown',
};

/**
 * Builds a class-less MikroORM entity schema for a table contract. Property names are the
 * contract's column names; field names are the source column names, so the schema describes
 * the database table the contract reads from or writes to (DDL, introspection, diff).
 */
export function buildEntitySchema<TRow>(input: EntityInput): EntitySchema<TRow> {
  const properties = Object.fromEntries(
    input.columns.map((column) => [column.name, toProperty(column)]),
  );
  return new (mikroOrm().EntitySchema)<TRow>({
    name: input.entityName,
    tableName: input.tableName,
    schema: input.schema,
    // The row type is generic here, so MikroORM cannot check the property map against it;
    // toProperty() builds one property per column, which is what the type asks for.
    properties: properties as unknown as EntitySchemaMetadata<TRow>['properties'],
  });
}

function toProperty(column: EntityColumn): Record<string, unknown> {
  const common = {
    fieldName: column.sourceName,
    columnType: column.sqlType,
    nullable: column.nullable,
    ...(column.primaryKey ? { primary: true, autoincrement: false } : {}),
    ...(column.description === undefined ? {} : { comment: column.description }),
  };
  switch (column.kind) {
    case 'enum':
      return {
        enum: true,
        items: column.values,
        ...(column.sqlType === 'text' ? {} : { nativeEnumName: column.sqlType }),
        ...common,
      };
    case 'array':
      return {
        type: isNumberKind(column.element?.kind) ? 'number[]' : 'string[]',
        array: true,
        ...common,
      };
    case 'numeric':
      return { type: 'decimal', precision: column.precision, scale: column.scale, ...common };
    case 'varchar':
    case 'char':
    case 'bit':
    case 'varbit':
      return { type: MIKRO_TYPE[column.kind], length: column.maxLength, ...common };
    default:
      return { type: MIKRO_TYPE[column.kind], ...common };
  }
}

function isNumberKind(kind: ColumnKind | undefined): boolean {
  return kind === 'smallint' || kind === 'integer' || kind === 'real' || kind === 'double';
}

let core: typeof MikroOrmCore | undefined;

/**
 * @mikro-orm/core, loaded the first time an entity schema is asked for: the tools that use
 * entity schemas (DDL, introspection, diff) have it, and a datakit's image, whose loader never
 * asks, neither bundles nor compiles it (about 0.8 MB, 25 ms of every run's start). A require
 * the bundler leaves alone; Node 24 requires an ES module synchronously.
 */
function mikroOrm(): typeof MikroOrmCore {
  core ??= createRequire(import.meta.url)('@mikro-orm/core') as typeof MikroOrmCore;
  return core;
}
