// verify's contract check: the tables a pinned image's spec describes, compared with the live
// tables of the warehouse's source and target connections.
import type { TableSpec } from '@datakit/contracts';
import {
  compareLiveTables,
  formatBreakingDrift,
  tableFromSpec,
  type DriftResult,
} from '@datakit/drift';
import { openSource, openTarget, type DatabaseSession } from '@datakit/databases';
import {
  resolveEnvironment,
  targetSchemaOf,
  type Connection,
  type LoadedWarehouse,
} from '@datakit/warehouse';

import { onThisMachine } from './on-this-machine.ts';
import { parseSpecLabel } from './_spec-label.ts';

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
  const spec = parseSpecLabel(label);
  if (spec === undefined) return undefined;
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
 * Compares the tables of one side with the live tables of a connection, opened as the runtime
 * opens it. A target table that does not exist yet is not drift (the loader creates it); live
 * columns the contract does not know are accepted when harmless (the runtime's default policy,
 * `discard`). Connections verify cannot open here (Kerberos needs the sidecar's ticket, SQL
 * Server a driver, delinea: the secret store) are skipped with the reason; one that cannot be
 * opened (database down, password file missing, login refused) is `unreachable`. With
 * `datakit`, the target tables are looked for in the schema that pin writes to.
 */
export async function compareSide(
  loaded: LoadedWarehouse,
  environment: string,
  connectionName: string,
  side: 'source' | 'target',
  tables: TableSpec[],
  datakit?: string,
): Promise<SideOutcome> {
  if (tables.length === 0) return { status: 'ok', results: [] };
  // The connection as the environment has it; the target tables where the pin writes them.
  const warehouse = resolveEnvironment(loaded.warehouse, environment);
  const connection = warehouse.connections[connectionName]!;
  const targetSchema =
    side === 'target' && datakit !== undefined ? targetSchemaOf(warehouse, datakit) : undefined;
  const skip = skipReason(loaded.file, connectionName, connection);
  if (skip !== undefined) return { status: 'skipped', reason: skip };
  let open: DatabaseSession;
  try {
    const here = onThisMachine(loaded, environment, connection);
    open = side === 'source' ? await openSource('source', here) : await openTarget(here);
  } catch (error) {
    return {
      status: 'unreachable',
      reason: `connection "${connectionName}": ${(error as Error).message}`,
    };
  }
  try {
    const contracts = tables.map((t) => ({
      schema: targetSchema ?? t.schema,
      table: tableFromSpec(t),
    }));
    const results = await compareLiveTables(open, contracts, {
      side,
      extraColumns: 'discard',
    });
    if (results.every((r) => r.ok)) return { status: 'ok', results };
    return { status: 'drift', results, text: formatBreakingDrift(results) };
  } finally {
    await open.close();
  }
}

/** Why verify does not open a connection, or undefined when it does. */
export function skipReason(file: string, name: string, connection: Connection): string | undefined {
  if (connection.auth === 'kerberos') {
    return `connection "${name}" uses Kerberos, whose ticket only the sidecar holds; \`datakit run\` checks it before loading`;
  }
  if (connection.password?.kind === 'delinea') {
    return `${file}: field "connections.${name}.password" is a delinea: reference; verify does not read the secret store`;
  }
  return undefined;
}
