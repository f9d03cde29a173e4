/**
 * The SQL Server source adapter on `mssql`: tedious for SQL logins, msnodesqlv8 with an ODBC
 * driver (Microsoft ODBC Driver 18, or FreeTDS) for SQL logins and Kerberos; the live catalog for
 * the drift check; streamed reads as canonical-text fields; and the column builders of SQL
 * Server source contracts (`mssql.nvarchar(50)`, `mssql.datetime2(7)`, ...).
 */
import type { SourceAdapter } from '../adapter.ts';
import { openSqlServerSession } from './connect.ts';
import { sqlServerDialect } from './types.ts';

/** Opens SQL Server source sessions (`kind: sqlserver`). */
export const sqlServerAdapter: SourceAdapter<'sqlserver'> = {
  kind: 'sqlserver',
  dialect: sqlServerDialect,
  open: (role, connection) => openSqlServerSession(role, connection),
};

export { mssql, normalizeSqlServerType, sqlServerDialect } from './types.ts';
export { ODBC_DRIVERS } from './config.ts';
export type { OdbcDriver, SqlServerConnection, SqlServerConnectionExtras } from './config.ts';
