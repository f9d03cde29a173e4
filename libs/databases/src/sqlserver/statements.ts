/**
 * Every statement the SQL Server adapter sends, and nothing else sends any: the catalog query
 * for the drift check and the streamed SELECT of a read (with its per-type conversions, its
 * cursor predicate and the keys of rejected rows read again). Each part names the SQL Server documentation it relies on, so an opt-in
 * lane can run exactly these against a real SQL Server, and the test stand-in
 * (`testing/statement-handlers.ts`) answers exactly these from fixture tables.
 *
 * Values (schema, table and column names, the saved cursor) are written into the text, never
 * bound as parameters: tedious would send them through `sp_executesql` and mssql's msnodesqlv8
 * wrapper through a `declare …; set @p = ?` prelude, so with parameters the two drivers would
 * send different text. Literals are quoted by T-SQL's own rules: identifiers in brackets with
 * `]` doubled (QUOTENAME, learn.microsoft.com/sql/t-sql/functions/quotename-transact-sql),
 * strings as `N'…'` with `'` doubled ("Constants (Transact-SQL)", Unicode strings); T-SQL has no
 * backslash escapes, so nothing else needs escaping.
 */
import type { SqlServerType } from './types.ts';

/** `[name]` with `]` doubled, as `QUOTENAME(name)` makes it. */
export function quoteIdentifier(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

/** `N'text'` with `'` doubled: a Unicode string constant. */
export function quoteString(text: string): string {
  return `N'${text.replaceAll("'", "''")}'`;
}

/**
 * The live definition of some tables and views of one schema, one row per column in
 * `column_id` order. Relies on (learn.microsoft.com/sql/relational-databases/system-catalog-views/):
 *
 * - `sys.schemas` (name), `sys.tables` and `sys.views` (the `object_id`, `schema_id` and name of
 *   user tables and views);
 * - `sys.columns`: `column_id` (physical order), `max_length` in **bytes** (-1 for `max`; an
 *   `nvarchar(50)` says 100), `precision` and `scale` (decimal; `scale` is the fractional
 *   seconds of time, datetime2 and datetimeoffset), `is_nullable`, `is_identity`,
 *   `is_computed`, `default_object_id` (0 when there is no default);
 * - `sys.types`: `name`; an alias (user-defined) type has `user_type_id <> system_type_id`, its
 *   base type is the row whose `user_type_id` is the alias's `system_type_id` (e.g. `sysname` →
 *   `nvarchar`); the CLR types (hierarchyid, geometry, geography) have no such row, hence the
 *   outer join; rowversion is named `timestamp` there;
 * - `sys.indexes` (`is_primary_key = 1`: the primary key's index) and `sys.index_columns`
 *   (`key_ordinal`: the column's position in the key, 1-based).
 */
export function catalogStatement(schema: string, tables: readonly string[]): string {
  const names = tables.map(quoteString).join(', ');
  return `SELECT o.name AS table_name,
       c.name AS column_name,
       c.column_id,
       t.name AS type_name,
       CASE WHEN t.user_type_id <> t.system_type_id THEN bt.name END AS base_type_name,
       c.max_length,
       c.precision,
       c.scale,
       c.is_nullable,
       CASE WHEN c.default_object_id <> 0 OR c.is_identity = 1 OR c.is_computed = 1 THEN 1 ELSE 0 END AS has_default,
       ic.key_ordinal
  FROM (SELECT object_id, schema_id, name FROM sys.tables
        UNION ALL
        SELECT object_id, schema_id, name FROM sys.views) AS o
  JOIN sys.schemas AS s ON s.schema_id = o.schema_id
  JOIN sys.columns AS c ON c.object_id = o.object_id
  JOIN sys.types AS t ON t.user_type_id = c.user_type_id
  LEFT JOIN sys.types AS bt ON bt.user_type_id = t.system_type_id
  LEFT JOIN sys.indexes AS i ON i.object_id = o.object_id AND i.is_primary_key = 1
  LEFT JOIN sys.index_columns AS ic
    ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.column_id = c.column_id
 WHERE s.name = ${quoteString(schema)}
   AND o.name IN (${names})
 ORDER BY o.name, c.column_id`;
}

/** One row of {@link catalogStatement}. */
export interface CatalogRow {
  table_name: string;
  column_name: string;
  column_id: number;
  type_name: string;
  base_type_name: string | null;
  max_length: number;
  precision: number;
  scale: number;
  is_nullable: boolean;
  has_default: number;
  key_ordinal: number | null;
}

/**
 * The expression that reads one column as SQL Server's own text of its value, by type. The
 * result is `nvarchar` (hex digits of binary values `varchar`, which is ASCII), so tedious and
 * the ODBC drivers both hand over a Unicode string and none of them converts a value through a
 * JavaScript number or Date. Styles from "CAST and CONVERT (Transact-SQL)"
 * (learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql):
 *
 * - integers and decimal/numeric: the default conversion, an exact decimal (decimal keeps its
 *   scale: `12.50`);
 * - money, smallmoney: style 2, "no commas … four digits to the right of the decimal point"
 *   (style 0 would round to two);
 * - float, real: style 3, "always 17 digits (real: 9). Use for lossless conversion";
 * - bit: `0`/`1`;
 * - date: style 23, `yyyy-mm-dd`;
 * - time, datetime, datetime2, datetimeoffset: style 121, ODBC canonical
 *   `yyyy-mm-dd hh:mi:ss.fffffff` (time: `hh:mi:ss.fffffff`; datetimeoffset ends with
 *   ` +hh:mm`; as many fraction digits as the column's scale, datetime three);
 * - smalldatetime: style 120, `yyyy-mm-dd hh:mi:ss`;
 * - uniqueidentifier: the 36-character form (upper case);
 * - binary, varbinary, image: style 2, hex digits without `0x`;
 * - rowversion: its 8 bytes as a bigint ("rowversion (Transact-SQL)": binary(8), convertible to
 *   bigint), a decimal that orders as the binary value does;
 * - char, varchar, text, ntext, xml: to nvarchar (Unicode, whatever the collation's code page);
 *   nchar and nvarchar as they are.
 */
export function selectExpression(type: SqlServerType, column: string): string {
  const c = quoteIdentifier(column);
  switch (type.name) {
    case 'bit':
      return `CONVERT(nvarchar(1), ${c})`;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return `CONVERT(nvarchar(20), ${c})`;
    case 'decimal':
      return `CONVERT(nvarchar(41), ${c})`;
    case 'money':
    case 'smallmoney':
      return `CONVERT(nvarchar(30), ${c}, 2)`;
    case 'real':
    case 'float':
      return `CONVERT(nvarchar(30), ${c}, 3)`;
    case 'date':
      return `CONVERT(nvarchar(10), ${c}, 23)`;
    case 'time':
      return `CONVERT(nvarchar(16), ${c}, 121)`;
    case 'datetime':
      return `CONVERT(nvarchar(23), ${c}, 121)`;
    case 'smalldatetime':
      return `CONVERT(nvarchar(19), ${c}, 120)`;
    case 'datetime2':
      return `CONVERT(nvarchar(27), ${c}, 121)`;
    case 'datetimeoffset':
      return `CONVERT(nvarchar(34), ${c}, 121)`;
    case 'uniqueidentifier':
      return `CONVERT(nchar(36), ${c})`;
    case 'binary':
    case 'varbinary':
      return `CONVERT(varchar(max), ${c}, 2)`;
    case 'image':
      // image converts to varbinary only; then as varbinary.
      return `CONVERT(varchar(max), CONVERT(varbinary(max), ${c}), 2)`;
    case 'rowversion':
      return `CONVERT(nvarchar(20), CONVERT(bigint, ${c}))`;
    case 'char':
    case 'varchar':
      return `CONVERT(nvarchar(${type.length === 'max' ? 'max' : String(type.length)}), ${c})`;
    case 'text':
    case 'ntext':
    case 'xml':
      return `CONVERT(nvarchar(max), ${c})`;
    default:
      // nchar, nvarchar: already Unicode text.
      return c;
  }
}

/**
 * The value a cursor column is compared with, from the saved cursor text (the canonical text
 * the loader stored), or undefined for types that cannot be a cursor. Conversions from
 * "CAST and CONVERT": the ISO 8601 text of datetime2/datetimeoffset (style 121 reads a
 * variable number of fraction digits and, for datetimeoffset, an offset without a blank);
 * a rowversion compares with a binary(8) made from the bigint ("rowversion (Transact-SQL)").
 */
export function cursorValueExpression(type: SqlServerType, after: string): string | undefined {
  const value = quoteString(after);
  switch (type.name) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return `CONVERT(bigint, ${value})`;
    case 'decimal':
      return `CONVERT(decimal(38,${type.scale ?? 0}), ${value})`;
    case 'rowversion':
      return `CONVERT(binary(8), CONVERT(bigint, ${value}))`;
    case 'date':
      return `CONVERT(date, ${value}, 23)`;
    case 'datetime':
      // As datetime, not datetime2: since compatibility level 130 a datetime converts to
      // datetime2 exactly (.003 is .0033333), so its printed .003 would compare below itself.
      return `CONVERT(datetime, ${value}, 121)`;
    case 'smalldatetime':
      return `CONVERT(smalldatetime, ${value}, 120)`;
    case 'datetime2':
      return `CONVERT(datetime2(7), ${value}, 121)`;
    case 'datetimeoffset':
      return `CONVERT(datetimeoffset(7), ${value}, 121)`;
    default:
      return undefined;
  }
}

/**
 * The value a key column is compared with, from a key value's canonical text (as the loader
 * stored it with a rejected row, see `canonicalTextOf` in types.ts). Each expression holds the
 * text as its one string constant: the cursor types as {@link cursorValueExpression} converts
 * them; bit from `t`/`f` as `1`/`0`; binary from `\x` and hex as style 2 hex ("CAST and
 * CONVERT": "no 0x prefix"); the other types by their own conversion from the text, and
 * character types as the constant itself (compared under the column's collation, as the row was
 * found).
 */
export function keyValueExpression(type: SqlServerType, text: string): string {
  const cursor = cursorValueExpression(type, text);
  if (cursor !== undefined) return cursor;
  switch (type.name) {
    case 'bit':
      return `CONVERT(bit, ${quoteString(text === 't' ? '1' : text === 'f' ? '0' : text)})`;
    case 'binary':
    case 'varbinary':
      return `CONVERT(varbinary(max), ${quoteString(text.replace(/^\\x/, ''))}, 2)`;
    case 'money':
    case 'smallmoney':
      return `CONVERT(money, ${quoteString(text)})`;
    case 'real':
    case 'float':
      return `CONVERT(float, ${quoteString(text)})`;
    case 'time':
      return `CONVERT(time(7), ${quoteString(text)})`;
    case 'uniqueidentifier':
      return `CONVERT(uniqueidentifier, ${quoteString(text)})`;
    default:
      // char, varchar, nchar, nvarchar and alias types of them (text, ntext, image and xml
      // cannot be keys).
      return quoteString(text);
  }
}

/** One column of a read: its source name and the SQL Server type it is read as. */
export interface ReadColumn {
  name: string;
  type: SqlServerType;
}

/**
 * The streamed SELECT of one table: each column through {@link selectExpression} (aliased
 * `c0`, `c1`, … in contract order, so names with blanks or brackets never reach the driver's
 * result metadata), after the saved cursor when there is one.
 *
 * A rowversion cursor also reads only rows below `MIN_ACTIVE_ROWVERSION()` ("the lowest active
 * rowversion value in the current database … for scenarios such as data synchronization"):
 * rowversion is given when a row is written, not when its transaction commits, so without the
 * bound a transaction still open during the read could commit a lower value than the highest
 * one read, and the next run (strictly after the saved value) would never see its rows.
 *
 * Rows rejected by earlier runs are read again by their key whatever the cursor: `OR EXISTS`
 * over a table value constructor of the keys ("Table Value Constructor (Transact-SQL)": as a
 * derived table it has no 1,000-row limit; the loader asks for at most 10,000 keys), joined on
 * every key column, so a composite key needs no row-value comparison (T-SQL has none). These
 * rows are bounded by `MIN_ACTIVE_ROWVERSION()` too: one written by a transaction still open has
 * a rowversion above the saved value, so the next run reads it after the cursor.
 */
export function readStatement(options: {
  schema: string;
  table: string;
  columns: readonly ReadColumn[];
  /** `inclusive`: from the saved value on (`>=`), for a cursor several rows can share. */
  cursor: { column: ReadColumn; after: string | null; inclusive?: boolean } | null;
  /**
   * Rows read again by key (with a saved cursor value only): the key columns and each row's
   * values as canonical text, in the columns' order.
   */
  keys?: { columns: readonly ReadColumn[]; values: readonly (readonly string[])[] };
}): string {
  const list = options.columns
    .map((column, index) => `${selectExpression(column.type, column.name)} AS c${index}`)
    .join(',\n       ');
  const conditions: string[] = [];
  if (options.cursor !== null) {
    const { column, after, inclusive } = options.cursor;
    const quoted = quoteIdentifier(column.name);
    if (after !== null) {
      const value = cursorValueExpression(column.type, after);
      // read.ts refuses other cursor types before a statement is made.
      if (value === undefined) throw new TypeError(`no cursor comparison for ${column.type.name}`);
      const from = `${quoted} ${inclusive === true ? '>=' : '>'} ${value}`;
      const keys = options.keys;
      conditions.push(
        keys === undefined || keys.values.length === 0 || keys.columns.length === 0
          ? from
          : `(${from}\n    OR ${keyPredicate(keys)})`,
      );
    }
    if (column.type.name === 'rowversion') conditions.push(`${quoted} < MIN_ACTIVE_ROWVERSION()`);
  }
  const where = conditions.length === 0 ? '' : `\n WHERE ${conditions.join('\n   AND ')}`;
  return `SELECT ${list}\n  FROM ${quoteIdentifier(options.schema)}.${quoteIdentifier(options.table)}${where}`;
}

/**
 * `EXISTS (SELECT 1 FROM (VALUES (v1, v2), …) AS k (k0, k1) WHERE [a] = k.k0 AND [b] = k.k1)`:
 * the rows whose key is one of the values.
 */
function keyPredicate(keys: {
  columns: readonly ReadColumn[];
  values: readonly (readonly string[])[];
}): string {
  const rows = keys.values.map((values) => {
    if (values.length !== keys.columns.length) {
      throw new TypeError(`a key has ${values.length} values for ${keys.columns.length} columns`);
    }
    const cells = keys.columns.map((column, i) =>
      keyValueExpression(column.type, values[i] as string),
    );
    return `(${cells.join(', ')})`;
  });
  const aliases = keys.columns.map((_, i) => `k${i}`);
  const join = keys.columns
    .map((column, i) => `${quoteIdentifier(column.name)} = k.k${i}`)
    .join(' AND ');
  return `EXISTS (SELECT 1 FROM (VALUES ${rows.join(',\n                                 ')}) AS k (${aliases.join(', ')})\n               WHERE ${join})`;
}
