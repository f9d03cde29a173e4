import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { discoverSource, type DiscoveredSchema } from '@datakit/databases';
import { ConfigError } from '@datakit/errors';
import { onThisMachine } from '@datakit/pins';
import { loadWarehouse, resolveEnvironment } from '@datakit/warehouse';

/** `analytics:pagila` -> the warehouse folder name and the connection name. */
export function parseFrom(from: string): { warehouse: string; connection: string } {
  const match = /^([^:]+):([^:]+)$/.exec(from);
  if (!match) {
    throw new ConfigError(`--from "${from}" is not <warehouse>:<connection>.`, {
      hint: 'Name a warehouse of warehouses/ and one of its connections, e.g. --from analytics:pagila.',
    });
  }
  return { warehouse: match[1]!, connection: match[2]! };
}

/**
 * Reads a source schema's catalog through the connection `from` names, opened as the CLI's
 * other commands open it on this machine (the local environment's secrets folder), or from a
 * JSON file the CLI wrote (`catalogFile`).
 */
export async function readCatalog(options: {
  root: string;
  from: string;
  schema: string;
  tables?: readonly string[];
  environment?: string;
  catalogFile?: string;
}): Promise<DiscoveredSchema> {
  if (options.catalogFile !== undefined) {
    return JSON.parse(readFileSync(options.catalogFile, 'utf8')) as DiscoveredSchema;
  }
  const { warehouse, connection } = parseFrom(options.from);
  const loaded = loadWarehouse(join(options.root, 'warehouses', warehouse));
  const environment = options.environment ?? 'local';
  const found = resolveEnvironment(loaded.warehouse, environment).connections[connection];
  if (found === undefined) {
    throw new ConfigError(`${loaded.file}: field "connections" has no "${connection}".`, {
      hint: `Connections: ${Object.keys(loaded.warehouse.connections).join(', ')}.`,
    });
  }
  return discoverSource(onThisMachine(loaded, environment, found), options.schema, options.tables);
}
