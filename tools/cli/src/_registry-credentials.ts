// Where the CLI finds a registry's credentials and the CA its TLS certificate is signed by.
// Read only when the registry asks (the client calls `registryCredentials` on its first 401).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { dockerConfigCredentials, dockerConfigFile, type RegistryAuth } from '@datakit/registry';
import { createSecretProvider, parseSecretRef } from '@datakit/secrets';

/**
 * The credentials for `host`, first found of: `DATAKIT_REGISTRY_TOKEN`;
 * `DATAKIT_REGISTRY_USERNAME` with `DATAKIT_REGISTRY_PASSWORD_REF` (a `file:` or `env:` secret
 * reference, e.g. `file:/run/secrets/registry.password`) or `DATAKIT_REGISTRY_PASSWORD`; the
 * `auths` entry for `host` in the Docker config file (`$DOCKER_CONFIG/config.json` or
 * `~/.docker/config.json`, as `docker login` writes it). Undefined: anonymous.
 */
export async function registryCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryAuth | undefined> {
  const token = env.DATAKIT_REGISTRY_TOKEN;
  if (token) return { token };
  const username = env.DATAKIT_REGISTRY_USERNAME;
  const ref = env.DATAKIT_REGISTRY_PASSWORD_REF;
  if (username && ref) return { username, password: await readPasswordRef(ref) };
  const password = env.DATAKIT_REGISTRY_PASSWORD;
  if (username && password) return { username, password };
  if (username) {
    throw new ConfigError(`DATAKIT_REGISTRY_USERNAME is set for ${host} but no password is.`, {
      hint: 'Set DATAKIT_REGISTRY_PASSWORD_REF to a secret reference (file:/path or env:NAME), or DATAKIT_REGISTRY_PASSWORD.',
    });
  }
  return dockerConfigCredentials(host, dockerConfigFile(env))?.auth;
}

async function readPasswordRef(text: string): Promise<string> {
  const ref = parseSecretRef(text);
  if (ref.kind !== 'file' && ref.kind !== 'env') {
    throw new ConfigError(
      `DATAKIT_REGISTRY_PASSWORD_REF is a ${ref.kind}: reference; the CLI reads file: and env: references.`,
      { hint: 'Mount the password as a file (file:/path) or pass it in a variable (env:NAME).' },
    );
  }
  const secret = await createSecretProvider({ kind: ref.kind }).get(ref);
  try {
    return secret.revealText().trim();
  } finally {
    secret.dispose();
  }
}

/**
 * The CA (PEM) that signed `host`'s certificate, where Docker keeps it:
 * `<certs dir>/<host>/ca.crt`, the certs dir being `DATAKIT_REGISTRY_CERTS_DIR` or Docker's
 * `/etc/docker/certs.d` (so the CLI and the engine that pulls for `deploy` trust the same CA).
 * Undefined when there is none: Node's roots only.
 */
export function registryCa(host: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(env.DATAKIT_REGISTRY_CERTS_DIR ?? '/etc/docker/certs.d', host, 'ca.crt');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
