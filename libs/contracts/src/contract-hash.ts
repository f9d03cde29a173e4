import { createHash } from 'node:crypto';

import { describeTable } from './describe-table.ts';
import type { ColumnSpec, ElementSpec, TableSpec } from './describe-table.ts';
import type { AnyTable } from './table.ts';

/** Bumped when the canonical form changes, so old and new hashes never collide by accident. */
const CANONICAL_FORM_VERSION = 1;

/**
 * A stable `sha256:<hex>` over the canonical JSON of one table's or several tables' column
 * metadata. Stable means: independent of the order of columns, tables and object keys in the
 * source code, and of descriptions (documentation does not change compatibility). Anything a
 * loader or a drift check relies on (names, source names, types, nullability, keys, cursor,
 * lengths, precision, enum values) changes it.
 */
export function contractHash(tables: AnyTable | readonly AnyTable[]): string {
  const list: readonly AnyTable[] = Array.isArray(tables) ? tables : [tables as AnyTable];
  const canonical = {
    version: CANONICAL_FORM_VERSION,
    tables: list
      .map((table) => canonicalTable(describeTable(table)))
      .sort((a, b) => compare(`${a.schema}.${a.name}`, `${b.schema}.${b.name}`)),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(canonical)).digest('hex')}`;
}

/**
 * JSON with object keys sorted at every level and no whitespace: equal values give equal text.
 * `undefined` properties are dropped, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function canonicalTable(spec: TableSpec): Omit<TableSpec, 'description'> {
  return {
    name: spec.name,
    schema: spec.schema,
    primaryKey: [...spec.primaryKey].sort(compare),
    cursor: spec.cursor,
    audited: spec.audited,
    columns: spec.columns.map(withoutDescription).sort((a, b) => compare(a.name, b.name)),
  };
}

function withoutDescription<T extends ColumnSpec | ElementSpec>(column: T): T {
  const { description: _description, element, ...rest } = column;
  return (element === undefined ? rest : { ...rest, element: withoutDescription(element) }) as T;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort(compare)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Code-unit order, independent of the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
