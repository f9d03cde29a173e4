import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the local infrastructure keeps its files. */
export interface InfraPaths {
  /** The repository root (holds nx.json). */
  root: string;
  /** `.infra/` under the root: generated secrets, keytabs, engine logs. Never committed. */
  stateDir: string;
  /** Generated passwords, one file per PostgreSQL role. */
  postgresSecretsDir: string;
  /** Keytabs and the client krb5.conf exported by the KDC. */
  kerberosDir: string;
  /** What local warehouses mount at /run/secrets/datakit (their `secretsDir`). */
  datakitSecretsDir: string;
  /**
   * What the authenticated registries mount read-only at /run/registry-auth: the CA, their TLS
   * certificate and key, the htpasswd file, the token issuer's certificate.
   */
  registryAuthDir: string;
  /** The registries' generated passwords and the token issuer's signing key. */
  registrySecretsDir: string;
  /** The pagila SQL files (`DATAKIT_PAGILA_DIR`, default `../shared/data/pagila`). */
  pagilaDir: string;
}

/** Finds the repository root from this file, whatever the working directory. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No nx.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Every path the local infrastructure uses, resolved. */
export function infraPaths(env: NodeJS.ProcessEnv = process.env): InfraPaths {
  const root = repoRoot();
  const stateDir = resolve(env.DATAKIT_INFRA_DIR ?? join(root, '.infra'));
  return {
    root,
    stateDir,
    postgresSecretsDir: join(stateDir, 'secrets', 'postgres'),
    kerberosDir: join(stateDir, 'kerberos'),
    datakitSecretsDir: join(stateDir, 'secrets', 'datakit'),
    registryAuthDir: join(stateDir, 'registry-auth'),
    registrySecretsDir: join(stateDir, 'secrets', 'registry'),
    pagilaDir: resolve(env.DATAKIT_PAGILA_DIR ?? join(root, '..', 'shared', 'data', 'pagila')),
  };
}
