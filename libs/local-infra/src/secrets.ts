import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The PostgreSQL roles the local database creates, one per purpose. */
export const POSTGRES_ROLES = [
  'pagila_reader',
  'warehouse_loader',
  'warehouse_reader',
  'datakit_admin',
] as const;

/** One of the local PostgreSQL roles. */
export type PostgresRole = (typeof POSTGRES_ROLES)[number];

/** The uid/gid of `postgres` inside the platform/postgres image (fixed in its Dockerfile). */
const POSTGRES_UID = 999;

/**
 * Generates a random password per role, once, into files only the container's postgres user
 * and root can read. Nothing is committed and nothing goes into an image or an environment.
 */
export function ensurePostgresSecrets(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const role of POSTGRES_ROLES) {
    const file = join(dir, `${role}.password`);
    if (!existsSync(file)) {
      writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
    }
    if (process.getuid?.() === 0) chownSync(file, POSTGRES_UID, POSTGRES_UID);
  }
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o700);
    chownSync(dir, POSTGRES_UID, POSTGRES_UID);
  } else {
    // Without root the files cannot be handed to the container's user; on a developer's own
    // machine the folder is opened to other local users instead (these are local dev passwords).
    chmodSync(dir, 0o755);
    for (const role of POSTGRES_ROLES) chmodSync(join(dir, `${role}.password`), 0o644);
  }
}

/**
 * Hands PostgreSQL the service key of `postgres/localhost` that the KDC exported: a copy next to
 * the password files (mounted read-only at /run/secrets/postgres), readable only by the
 * container's postgres user. PostgreSQL reads it at each GSSAPI login, so it may arrive after the
 * server started. Unchanged bytes are left alone; returns whether the file was written.
 */
export function ensurePostgresKeytab(kerberosDir: string, postgresSecretsDir: string): boolean {
  const from = join(kerberosDir, 'postgres.keytab');
  const file = join(postgresSecretsDir, 'postgres.keytab');
  const bytes = readFileSync(from);
  if (existsSync(file) && readFileSync(file).equals(bytes)) return false;
  writeFileSync(file, bytes, { mode: 0o600 });
  chmodSync(file, 0o600);
  if (process.getuid?.() === 0) chownSync(file, POSTGRES_UID, POSTGRES_UID);
  return true;
}

/** Reads a role's password file. */
export function readPostgresPassword(dir: string, role: PostgresRole): string {
  return readFileSync(join(dir, `${role}.password`), 'utf8').trim();
}

/** The uid of the datakit and sidecar containers' user (datakit-base, kerberos-sidecar). */
const DATAKIT_UID = 10001;

/**
 * Copies what local datakit deployments need into one folder that warehouses mount read-only
 * at /run/secrets/datakit (their `secretsDir`): the reader's and loader's passwords and the
 * datakit-loader keytab, each readable only by the containers' user. Local development only:
 * in production these come from the secret store.
 */
export function ensureDatakitSecrets(
  postgresSecretsDir: string,
  kerberosDir: string,
  target: string,
): void {
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const files: [string, string][] = [
    [join(postgresSecretsDir, 'pagila_reader.password'), 'pagila_reader.password'],
    [join(postgresSecretsDir, 'warehouse_loader.password'), 'warehouse_loader.password'],
    [join(kerberosDir, 'datakit-loader.keytab'), 'datakit-loader.keytab'],
  ];
  for (const [from, name] of files) {
    const file = join(target, name);
    writeFileSync(file, readFileSync(from), { mode: 0o400 });
    chmodSync(file, 0o400);
    if (process.getuid?.() === 0) chownSync(file, DATAKIT_UID, DATAKIT_UID);
  }
  if (process.getuid?.() === 0) chownSync(target, DATAKIT_UID, DATAKIT_UID);
}
