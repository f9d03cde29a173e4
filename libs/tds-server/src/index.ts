/**
 * @datakit/tds-server: a TDS 7.4 protocol server for tests, standing in for SQL Server where
 * it cannot run. It speaks the protocol (PRELOGIN and TLS, LOGIN7 with SQL logins and
 * Kerberos, SQL_BATCH, RPC, ATTENTION, every common column type); statements are answered by
 * handlers, fixture tables and a few built-in session statements, not by a T-SQL engine.
 */
export { startTdsServer, type TdsServer, type TdsServerOptions } from './start-tds-server.ts';
export { fixtureTablesHandler, type FixtureTable } from './fixture-tables.ts';
export { TdsError } from './tds-error.ts';
export type {
  KerberosAcceptorOptions,
  TdsCollation,
  TdsColumn,
  TdsHandler,
  TdsParameterValue,
  TdsRequest,
  TdsResult,
  TdsResults,
  TdsResultSet,
  TdsRow,
  TdsRows,
  TdsSession,
  TdsStatementDone,
  TdsTypeName,
  TdsValue,
} from './types.ts';
export { selfSignedCertificate, type TestCertificate } from './self-signed.ts';
export { typesFixture } from './types-fixture.ts';
export {
  canonicalFloat,
  canonicalReal,
  canonicalRows,
  canonicalValue,
  checksumRows,
  type CanonicalValue,
} from './checksum.ts';
