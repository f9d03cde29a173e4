/**
 * Test helpers other packages' tests use: the SQL Server engine stand-in's handlers, which
 * answer exactly the statements of `sqlserver/statements.ts` from fixture tables on the TDS
 * test server (`@datakit/tds-server`); and the PostgreSQL loader's per-row processor, which
 * `npm run bench:rows` measures alone. Not part of the adapters' API.
 */
export {
  convertValue,
  sqlServerStatementHandlers,
  type Fixture,
  type FixtureColumn,
  type FixtureTable,
} from './sqlserver/testing/statement-handlers.ts';
export { RowProcessor } from './postgres/write/row-processor.ts';
