/**
 * The public data model of the TDS test server: column types, values, result sets, requests,
 * sessions and the handler seam through which statements are answered.
 */

/** SQL Server data types the server can describe in COLMETADATA and encode in rows. */
export type TdsTypeName =
  | 'bit'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'decimal'
  | 'numeric'
  | 'money'
  | 'smallmoney'
  | 'real'
  | 'float'
  | 'date'
  | 'time'
  | 'datetime'
  | 'smalldatetime'
  | 'datetime2'
  | 'datetimeoffset'
  | 'char'
  | 'varchar'
  | 'nchar'
  | 'nvarchar'
  | 'text'
  | 'ntext'
  | 'binary'
  | 'varbinary'
  | 'image'
  | 'uniqueidentifier'
  | 'xml'
  | 'rowversion';

/**
 * A value in a row or a parameter, always exact:
 * - `bit`: boolean (or 0/1);
 * - `tinyint`, `smallint`, `int`: number; `bigint`: bigint (or a safe-integer number);
 * - `decimal`, `numeric`, `money`, `smallmoney`: a decimal string such as `'-12.3400'`;
 * - `real`, `float`: number;
 * - `date` `'2024-02-29'`, `time` `'23:59:59.1234567'`, `datetime`/`smalldatetime`/`datetime2`
 *   `'2024-02-29 23:59:59.1234567'`, `datetimeoffset` `'2024-02-29 23:59:59.1234567 +05:30'`:
 *   strings, up to 7 fraction digits (digits beyond the column's scale must be zero);
 * - character types and `xml`: string; `uniqueidentifier`: the canonical 36-character string;
 * - `binary`, `varbinary`, `image`: Buffer; `rowversion`: Buffer of 8 bytes or a bigint;
 * - `null` for SQL NULL.
 */
export type TdsValue = null | boolean | number | bigint | string | Buffer;

/** One row: values in column order. */
export type TdsRow = readonly TdsValue[];

/** A SQL Server collation as its 5 TDS bytes (LCID, flags, version, sort id). */
export type TdsCollation = Buffer;

/** A result set column. */
export interface TdsColumn {
  /** Column name as the client sees it (any characters; not quoted). */
  name: string;
  /** The SQL Server type. */
  type: TdsTypeName;
  /**
   * Declared length for `char`/`varchar` (bytes), `nchar`/`nvarchar` (characters),
   * `binary`/`varbinary` (bytes): 1..8000 (1..4000 for n-types), or `'max'`. Default 1 for
   * char/nchar/binary, 30 otherwise, as SQL Server defaults for CAST.
   */
  length?: number | 'max';
  /** Precision of `decimal`/`numeric` (1..38, default 18). */
  precision?: number;
  /** Scale of `decimal`/`numeric` (0..precision, default 0) and fraction digits of
   * `time`/`datetime2`/`datetimeoffset` (0..7, default 7). */
  scale?: number;
  /** Whether the column admits NULL (default true). Non-nullable integer, bit, float, money
   * and datetime columns travel as their fixed-length TDS types, nullable ones as the
   * `...N` variants, as SQL Server does. */
  nullable?: boolean;
  /** Collation of `char`/`varchar`/`text` (and reported for n-types); default
   * `SQL_Latin1_General_CP1_CI_AS`. Only code page 1252 collations are encoded. */
  collation?: TdsCollation;
}

/** Rows of a result set, produced lazily so that large results never sit in memory. */
export type TdsRows = Iterable<TdsRow> | AsyncIterable<TdsRow>;

/** A result set: its columns then its rows. */
export interface TdsResultSet {
  /** Column metadata (COLMETADATA). */
  columns: readonly TdsColumn[];
  /** The rows, in column order. */
  rows: TdsRows;
}

/** A statement that returns no rows, only a DONE with an optional row count. */
export interface TdsStatementDone {
  /** Rows affected, reported with DONE_COUNT when given. */
  rowCount?: number;
}

/** One result of a statement: a result set or a bare DONE. */
export type TdsResult = TdsResultSet | TdsStatementDone;

/** What a handler answers: results (possibly none), synchronously or asynchronously. */
export type TdsResults = Iterable<TdsResult> | AsyncIterable<TdsResult>;

/** A parameter of an RPC request (`sp_executesql`), decoded from its TYPE_INFO and value. */
export interface TdsParameterValue {
  /** The parameter's SQL Server type as sent by the client. */
  type: TdsTypeName;
  /** The decoded value (same conventions as {@link TdsValue}). */
  value: TdsValue;
  /** Declared length, precision and scale, where the type has them. */
  length?: number | 'max';
  precision?: number;
  scale?: number;
  /** Whether the client marked it as an OUTPUT parameter. */
  output: boolean;
}

/** One statement to answer. */
export interface TdsRequest {
  /** The statement text: one statement of a SQL_BATCH (split at top-level `;`) or of an
   * `sp_executesql` `@stmt`, trimmed. */
  sql: string;
  /** `sp_executesql` parameters by name, including the `@` (`@p1`); empty for batches. */
  parameters: Map<string, TdsParameterValue>;
  /** How the statement arrived. */
  kind: 'batch' | 'rpc';
}

/** What a handler knows about, and can change in, the client's session. */
export interface TdsSession {
  /** The login name: the SQL login, or the Kerberos principal (`user@REALM`). */
  readonly user: string;
  /** How the client authenticated. */
  readonly authentication: 'sql' | 'kerberos';
  /** The current database. */
  readonly database: string;
  /** The client's application name from LOGIN7. */
  readonly appName: string;
  /** The server process id reported for this session (`@@SPID`). */
  readonly spid: number;
  /** Switches the current database (ENVCHANGE + INFO 5701, as `USE` does). */
  changeDatabase(name: string): void;
  /** Sends an INFO message (PRINT-like) before the statement's next result. */
  info(number: number, message: string): void;
}

/**
 * Answers one statement, or returns `undefined` to let the next handler try. Throw a
 * `TdsError` to answer with an ERROR token.
 */
export type TdsHandler = (
  request: TdsRequest,
  session: TdsSession,
) => TdsResults | undefined | Promise<TdsResults | undefined>;

/** How the server verifies Kerberos logins. */
export interface KerberosAcceptorOptions {
  /** The service's keytab (e.g. `.infra/kerberos/mssqlsvc.keytab`); set as KRB5_KTNAME. */
  keytab: string;
  /** A krb5.conf for the realm (set as KRB5_CONFIG when given). */
  krb5Config?: string;
  /** The service principal tickets must be for (default `MSSQLSvc/localhost:1433`; the
   * realm may be omitted). */
  servicePrincipal?: string;
}
