// The loader's integration tests' database (npm run infra:up): sessions of the loader role on
// the warehouse, which owns scratch schemas on both sides of a load.
import { localInfra } from '@datakit/local-infra';
import pg from 'pg';

/** The loader role's connection settings. */
export const loaderConfig = localInfra().postgres.connection('warehouse_loader', 'warehouse');

/** A scratch schema name unique to this test process: `<prefix>_<pid>_<time>`. */
export function scratchSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${START}`;
}
const START = Date.now().toString(36);

/** A load's source and target sessions, and one for the test's own SQL. */
export class ScratchDb {
  readonly source = new pg.Client(loaderConfig);
  readonly target = new pg.Client(loaderConfig);
  readonly admin = new pg.Client(loaderConfig);

  async connect(): Promise<void> {
    await Promise.all([this.source.connect(), this.target.connect(), this.admin.connect()]);
  }

  /** Runs SQL in the admin session; returns the rows. */
  sql = async <T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]> => (await this.admin.query<T>(text, values)).rows;

  /** Drops a target schema and forgets the cursor of its `table`. */
  async dropTarget(schema: string, table: string): Promise<void> {
    await this.sql(`drop schema if exists ${schema} cascade`);
    await this.sql(`delete from _datakit.cursors where target_table = $1`, [
      `${schema}.${table}`,
    ]).catch(() => undefined);
  }

  /** Drops the schemas and every cursor of targets whose name starts with `prefix_`. */
  async close(schemas: readonly string[], prefix: string): Promise<void> {
    for (const schema of schemas) await this.sql(`drop schema if exists ${schema} cascade`);
    await this.sql(`delete from _datakit.cursors where target_table like $1`, [
      `${prefix}\\_%`,
    ]).catch(() => undefined);
    await Promise.all([this.source.end(), this.target.end(), this.admin.end()]);
  }
}
