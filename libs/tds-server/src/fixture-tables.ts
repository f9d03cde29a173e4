import { parseSimpleSelect } from './_select-parser.ts';
import { quoteName } from './_sql-text.ts';
import { TdsError } from './tds-error.ts';
import type { TdsColumn, TdsHandler, TdsRow, TdsRows } from './types.ts';

/** A table the fixture engine serves. */
export interface FixtureTable {
  /** Schema name, e.g. `Sales Data`. */
  schema: string;
  /** Table name, e.g. `AllTypes`. */
  name: string;
  /** Columns in table order. */
  columns: readonly TdsColumn[];
  /**
   * The rows, in column order: an iterable that can be iterated more than once (an array),
   * or a factory called for every query (a generator function, for large tables).
   */
  rows: TdsRows | (() => TdsRows);
  /** The database the table lives in; when omitted it is visible from every database. */
  database?: string;
}

const same = (a: string, b: string): boolean =>
  a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;

/**
 * A handler answering `SELECT * | col [AS alias], ... FROM [db.][schema.]table` (optionally
 * `TOP n`, `WITH (NOLOCK)`, `WHERE 1 = 0`) over fixture tables. Names compare
 * case-insensitively, as under SQL Server's default collation; a one-part name means schema
 * `dbo`. An unknown table answers error 208, an unknown column 207; statements that are not
 * such SELECTs are left to the next handler.
 */
export function fixtureTablesHandler(tables: readonly FixtureTable[]): TdsHandler {
  return (request, session) => {
    const select = parseSimpleSelect(request.sql);
    if (select === undefined) return undefined;
    const parts = select.table;
    const tableName = parts[parts.length - 1] ?? '';
    const schemaName = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : 'dbo';
    const database = parts.length === 3 ? (parts[0] ?? '') : session.database;
    const table = tables.find(
      (t) =>
        same(t.name, tableName) &&
        same(t.schema, schemaName) &&
        (t.database === undefined || same(t.database, database)),
    );
    if (table === undefined) {
      throw new TdsError(208, 1, 16, `Invalid object name '${parts.join('.')}'.`);
    }
    const selected: { index: number; column: TdsColumn }[] = [];
    for (const item of select.items) {
      if (item.column === '*') {
        table.columns.forEach((column, index) => selected.push({ index, column }));
        continue;
      }
      const index = table.columns.findIndex((c) => same(c.name, item.column));
      const column = table.columns[index];
      if (column === undefined)
        throw new TdsError(207, 1, 16, `Invalid column name ${quoteName(item.column)}.`);
      selected.push({
        index,
        column: item.alias === undefined ? column : { ...column, name: item.alias },
      });
    }
    const source = typeof table.rows === 'function' ? table.rows() : table.rows;
    const limit = select.where === false ? 0 : (select.top ?? Infinity);
    const indexes = selected.map((s) => s.index);
    return [{ columns: selected.map((s) => s.column), rows: project(source, indexes, limit) }];
  };
}

function project(rows: TdsRows, indexes: readonly number[], limit: number): TdsRows {
  const pick = (row: TdsRow): TdsRow => indexes.map((i) => row[i] ?? null);
  if (Symbol.asyncIterator in rows) {
    return (async function* () {
      let n = 0;
      if (n >= limit) return;
      for await (const row of rows) {
        yield pick(row);
        if (++n >= limit) return;
      }
    })();
  }
  return (function* () {
    let n = 0;
    if (n >= limit) return;
    for (const row of rows) {
      yield pick(row);
      if (++n >= limit) return;
    }
  })();
}
