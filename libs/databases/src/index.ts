/**
 * Database adapters: one interface per role, one folder per database with the same files
 * (`config`, `connect`, `catalog`, `read`, `types`, `errors`, `index`), and the factory that
 * picks an adapter from a connection's `kind`.
 */
export type {
  ConnectionOf,
  ConnectionRole,
  CopyFormat,
  DatabaseKind,
  DatabaseSession,
  Dialect,
  ReadRequest,
  SourceAdapter,
  SourceRows,
  SourceSession,
} from './adapter.ts';
