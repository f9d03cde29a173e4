import { ConfigError } from '@datakit/errors';
import type { Connection } from '@datakit/warehouse';

import type {
  ConnectionOf,
  ConnectionRole,
  DatabaseKind,
  SourceAdapter,
  SourceSession,
  TargetAdapter,
  TargetSession,
} from './adapter.ts';
import { postgresSource, postgresTarget } from './postgres/index.ts';
import { sqlServerAdapter } from './sqlserver/index.ts';

/** The source adapter of a connection kind. A new database is one folder and one case here. */
export function createSourceAdapter<TKind extends DatabaseKind>(kind: TKind): SourceAdapter<TKind> {
  // Each case returns the adapter of exactly the kind switched on; TypeScript does not narrow
  // a type parameter by a switch, hence the casts.
  switch (kind as DatabaseKind) {
    case 'postgres':
      return postgresSource as unknown as SourceAdapter<TKind>;
    case 'sqlserver':
      return sqlServerAdapter as unknown as SourceAdapter<TKind>;
    default:
      throw new ConfigError(
        `A source connection of kind "${String(kind)}" cannot be read: this runtime has no adapter for it.`,
        { hint: 'Use a connection kind the README lists.' },
      );
  }
}

/** The target (warehouse) adapter of a connection kind. */
export function createTargetAdapter<TKind extends DatabaseKind>(kind: TKind): TargetAdapter<TKind> {
  switch (kind as DatabaseKind) {
    case 'postgres':
      return postgresTarget as unknown as TargetAdapter<TKind>;
    default:
      throw new ConfigError(
        `A target connection of kind "${String(kind)}" cannot be written: the warehouse must be PostgreSQL.`,
        { hint: 'Point the target connection at the PostgreSQL warehouse.' },
      );
  }
}

/** Opens a source session through the adapter of the connection's kind. */
export function openSource(role: ConnectionRole, connection: Connection): Promise<SourceSession> {
  return createSourceAdapter(connection.kind).open(role, connection as ConnectionOf<DatabaseKind>);
}

/** Opens a warehouse session through the adapter of the connection's kind. */
export function openTarget(connection: Connection): Promise<TargetSession> {
  return createTargetAdapter(connection.kind).open(connection as ConnectionOf<DatabaseKind>);
}
