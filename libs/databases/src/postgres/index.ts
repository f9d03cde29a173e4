import type { SourceAdapter, TargetAdapter, TargetSession } from '../adapter.ts';
import { openPostgres, type PostgresSession } from './connect.ts';
import { postgresDialect } from './types.ts';
import {
  acknowledgeRejects,
  listRejects,
  retryRejects,
  recentRuns,
  recordStoppedRun,
} from './write/bookkeeping.ts';
import { loadTable } from './write/load-table.ts';

/** PostgreSQL as a source: COPY (text or binary) or, over Kerberos, a server-side cursor. */
export const postgresSource: SourceAdapter<'postgres'> = {
  kind: 'postgres',
  dialect: postgresDialect,
  open: (role, connection) => openPostgres(role, connection),
};

/** PostgreSQL as the warehouse: the streaming COPY loader with its bookkeeping. */
export const postgresTarget: TargetAdapter<'postgres'> = {
  kind: 'postgres',
  dialect: postgresDialect,
  open: async (connection) => postgresTargetSession(await openPostgres('target', connection)),
};

/** A PostgreSQL session that also loads tables into itself. */
export function postgresTargetSession(session: PostgresSession): PostgresSession & TargetSession {
  return {
    ...session,
    loadTable: (load) => loadTable({ ...load, target: session.client }),
    recordStoppedRun: (stop) => recordStoppedRun(session.client, stop),
    recentRuns: (query) => recentRuns(session.client, query),
    listRejects: (query) => listRejects(session.client, query),
    acknowledgeRejects: (target) => acknowledgeRejects(session.client, target),
    retryRejects: (target) => retryRejects(session.client, target),
  };
}

export type { PostgresSession } from './connect.ts';
export { BOOKKEEPING_SCHEMA } from './write/bookkeeping.ts';
export { createTableSql } from './write/sql.ts';
export { formatMigration, migrationSteps, type MigrationStep } from './migration.ts';
