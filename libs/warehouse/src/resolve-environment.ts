import { ConfigError } from '@datakit/errors';
import { mergeEnvironment } from './_merge-environment.ts';
import type { Warehouse } from './warehouse-schema.ts';

/**
 * The warehouse as one environment sees it: each connection with the fields of
 * `environments.<env>.connections.<name>` merged over its top-level values, and the Kerberos
 * block with `environments.<env>.kerberos` merged over it; a field an override sets to `null`
 * is removed (only an optional one without a default, e.g. a connection's `password` or
 * `schema`, or `krb5Config`, may be). Every consumer of connections or
 * the Kerberos identity (desired state, render, verify, runs, rejects, the generators) reads
 * them from here, so `--env prod` shows and checks the production values. The merged values
 * were validated when warehouse.yaml was loaded. Refuses an environment the warehouse does not
 * have (ConfigError, exit 2).
 */
export function resolveEnvironment(warehouse: Warehouse, environment: string): Warehouse {
  if (!(environment in warehouse.environments)) {
    throw new ConfigError(
      `Warehouse "${warehouse.name}": field "environments" has no environment "${environment}"; it has ${Object.keys(
        warehouse.environments,
      )
        .map((e) => `"${e}"`)
        .join(', ')}.`,
    );
  }
  return mergeEnvironment(warehouse, environment);
}

/**
 * The schema a pin writes its target tables to: its `targetSchema`, else its target
 * connection's `schema`, else undefined (each target contract's own schema). Pass the
 * warehouse of an environment ({@link resolveEnvironment}): an environment may set the
 * connection's schema.
 */
export function targetSchemaOf(warehouse: Warehouse, datakit: string): string | undefined {
  const pin = warehouse.datakits[datakit];
  if (pin === undefined) return undefined;
  if (pin.targetSchema !== undefined) return pin.targetSchema;
  const target = warehouse.connections[pin.target];
  return target?.kind === 'postgres' ? target.schema : undefined;
}
