import { ConfigError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import type { LoadedWarehouse } from '@datakit/warehouse';

/** The registry pins resolve through, and where warehouse.yaml names it (for errors). */
export interface PinRegistry {
  /** Host part of image references, e.g. `127.0.0.1:5000`. */
  host: string;
  client: RegistryClient;
  /** warehouse.yaml. */
  file: string;
  /** The field naming the registry, e.g. `environments.local.registry`. */
  field: string;
}

/**
 * The registry host of one environment of a warehouse, and the field it comes from. Throws a
 * `ConfigError` listing the environments when `environment` is not one of them.
 */
export function registryHostOf(
  loaded: LoadedWarehouse,
  environment: string,
): { host: string; field: string } {
  const env = loaded.warehouse.environments[environment];
  if (env === undefined) {
    throw new ConfigError(
      `${loaded.file}: field "environments" has no environment "${environment}"; it has ${Object.keys(
        loaded.warehouse.environments,
      )
        .map((e) => `"${e}"`)
        .join(', ')}.`,
      { hint: 'Pick one with --env.' },
    );
  }
  return { host: env.registry, field: `environments.${environment}.registry` };
}
