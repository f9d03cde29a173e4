/**
 * The streaming PostgreSQL to PostgreSQL loader: COPY out (or a server-side cursor), validate,
 * transform, validate again, COPY into the target or a staging table, merge; cursor, counts and
 * rows committed together; rejected rows kept with their reason.
 */
export { BOOKKEEPING_SCHEMA } from './bookkeeping.ts';
export { loadTable } from './load-table.ts';
export type {
  CopyFormat,
  CopyFormatChoice,
  ExtraColumnsPolicy,
  LoadTableOptions,
  LoadTableResult,
  WriteMode,
} from './load-table.ts';
export { createTableSql } from './sql.ts';
