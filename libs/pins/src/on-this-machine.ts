import { resolve } from 'node:path';
import { dockerSecretFileOf, type Connection, type LoadedWarehouse } from '@datakit/warehouse';

/**
 * The connection as this machine reads it: a `file:` password under the path where the Docker
 * driver mounts the environment's `secretsDir` in containers is read from that folder here.
 */
export function onThisMachine(
  loaded: LoadedWarehouse,
  environment: string,
  connection: Connection,
): Connection {
  const env = loaded.warehouse.environments[environment];
  const ref = connection.password;
  if (env?.driver !== 'docker' || env.secretsDir === undefined || ref?.kind !== 'file') {
    return connection;
  }
  // The same mapping the Docker driver mounts by: a path that leaves the folder (`..`) is not
  // read from this machine.
  const mapped = dockerSecretFileOf(ref.path);
  if (typeof mapped === 'string') return connection;
  const path = resolve(loaded.dir, env.secretsDir, mapped.relativePath);
  return { ...connection, password: { kind: 'file', path } } as Connection;
}
