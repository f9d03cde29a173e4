/**
 * Test helpers other packages' tests use: the SQL Server engine stand-in's handlers, which
 * answer exactly the statements of `sqlserver/statements.ts` from fixture tables on the TDS
 * test server (`@datakit/tds-server`). Not part of the adapters' API.
 */
export {
  convertValue,
  sqlServerStatementHandlers,
  type Fixture,
  type FixtureColumn,
  type FixtureTable,
} from './sqlserver/testing/statement-handlers.ts';
