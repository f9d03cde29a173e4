// verify's contract check: the tables a pinned image's spec describes, compared with the live
// tables of the warehouse's source and target connections.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import type { TableSpec } from '@datakit/contracts';
import { compareSpecSchema, formatDrift, readLiveSchema, type DriftResult } from '@datakit/drift';
import type { Connection, LoadedWarehouse } from '@datakit/warehouse';

/** Where the Docker driver mounts an environment's secretsDir inside containers. */
const CONTAINER_SECRETS = '/run/secrets/datakit/';

/** The outcome of comparing one side (source or target) of a pin with its live tables. */
export type SideOutcome =
  | { status: 'ok'; results: DriftResult[] }
  | { status: 'drift'; results: DriftResult[]; text: string }
  | { status: 'skipped'; reason: string }
  | { status: 'unreachable'; reason: string };

/** The contract tables of a spec label, split by the side transforms read or write them. */
export interface SpecTables {
  source: TableSpec[];
  target: TableSpec[];
}

/**
 * Reads the source and target tables out of a `dev.datakit.spec` label: `contracts` as
 * `describeTable` gives them and `transforms` naming `schema.table` of each side. Undefined when
 * the label is not such a spec.
 */
export function specTables(label: string): SpecTables | undefined {
  let spec: { contracts?: unknown; transforms?: unknown };
  try {
    spec = JSON.parse(label) as typeof spec;
  } catch {
    return undefined;
  }
  if (!Array.isArray(spec.contracts)) return undefined;
  const contracts = spec.contracts as TableSpec[];
  const transforms = Array.isArray(spec.transforms)
    ? (spec.transforms as { source?: unknown; target?: unknown }[])
    : [];
  const byName = new Map(contracts.map((t) => [`${t.schema}.${t.name}`, t]));
  const pick = (side: 'source' | 'target') =>
    [...new Set(transforms.map((t) => t[side]).filter((n): n is string => typeof n === 'string'))]
      .map((name) => byName.get(name))
      .filter((t): t is TableSpec => t !== undefined);
  return { source: pick('source'), target: pick('target') };
}

/**
 * Compares the tables of one side with the live tables of a connection. A target table that
 * does not exist yet is not drift (the loader creates it); live columns the contract does not
 * know are accepted when harmless (the runtime's default policy, `discard`). Connections
 * verify cannot open here (Kerberos needs the sidecar's ticket, SQL Server a driver, delinea:
 * the secret store) are skipped with the reason; a database that does not answer is
 * `unreachable`.
 */
export async function compareSide(
  loaded: LoadedWarehouse,
  environment: string,
  connectionName: string,
  side: 'source' | 'target',
  tables: TableSpec[],
): Promise<SideOutcome> {
  if (tables.length === 0) return { status: 'ok', results: [] };
  const connection = loaded.warehouse.connections[connectionName]!;
  const config = clientConfig(loaded, environment, connectionName, connection);
  if ('skip' in config) return { status: 'skipped', reason: config.skip };
  if ('unreachable' in config) return { status: 'unreachable', reason: config.unreachable };
  const client = new pg.Client(config.config);
  try {
    await client.connect();
  } catch (error) {
    return {
      status: 'unreachable',
      reason: `cannot connect to connection "${connectionName}" (${connection.host}:${connection.port}/${connection.database} as ${connection.kind === 'postgres' ? connection.user : ''}): ${(error as Error).message}`,
    };
  }
  try {
    const results: DriftResult[] = [];
    const bySchema = new Map<string, TableSpec[]>();
    for (const table of tables)
      bySchema.set(table.schema, [...(bySchema.get(table.schema) ?? []), table]);
    for (const [schema, specs] of bySchema) {
      const live = await readLiveSchema(
        client,
        schema,
        specs.map((t) => t.name),
      );
      results.push(compareSpecSchema(specs, live, { side, extraColumns: 'discard' }));
    }
    const drifted = results.filter((r) => !r.ok);
    if (drifted.length === 0) return { status: 'ok', results };
    return {
      status: 'drift',
      results,
      text: drifted.map((r) => formatDrift(r, { breakingOnly: true })).join('\n'),
    };
  } finally {
    await client.end();
  }
}

type ClientConfig = { config: pg.ClientConfig } | { skip: string } | { unreachable: string };

function clientConfig(
  loaded: LoadedWarehouse,
  environment: string,
  name: string,
  connection: Connection,
): ClientConfig {
  if (connection.kind !== 'postgres') {
    return {
      skip: `connection "${name}" is ${connection.kind}; verify reads PostgreSQL catalogs only`,
    };
  }
  if (connection.auth === 'kerberos') {
    return {
      skip: `connection "${name}" uses Kerberos, whose ticket only the sidecar holds; \`datakit run\` checks it before loading`,
    };
  }
  const ref = connection.password;
  const field = `field "connections.${name}.password"`;
  let password: string;
  if (ref?.kind === 'file') {
    const path = hostPath(loaded, environment, ref.path);
    try {
      password = readFileSync(path, 'utf8').trim();
    } catch (error) {
      return {
        unreachable: `${loaded.file}: ${field} names file:${ref.path}, read here as ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      };
    }
  } else if (ref?.kind === 'env') {
    const value = process.env[ref.name];
    if (value === undefined) {
      return { unreachable: `${loaded.file}: ${field} names env:${ref.name}, which is not set` };
    }
    password = value;
  } else {
    return {
      skip: `${loaded.file}: ${field} is a delinea: reference; verify does not read the secret store`,
    };
  }
  return {
    config: {
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      password,
      connectionTimeoutMillis: 10_000,
      ssl:
        connection.sslMode === 'require'
          ? { rejectUnauthorized: false }
          : connection.sslMode === 'verify-full',
    },
  };
}

/**
 * Where a `file:` secret is on this machine: a path under /run/secrets/datakit/ is in the
 * Docker environment's `secretsDir` (mounted there in containers); any other path as written.
 */
function hostPath(loaded: LoadedWarehouse, environment: string, path: string): string {
  const env = loaded.warehouse.environments[environment];
  if (
    env?.driver === 'docker' &&
    env.secretsDir !== undefined &&
    path.startsWith(CONTAINER_SECRETS)
  ) {
    return resolve(loaded.dir, env.secretsDir, path.slice(CONTAINER_SECRETS.length));
  }
  return path;
}
