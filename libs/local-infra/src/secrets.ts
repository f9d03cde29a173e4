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
    const password = existsSync(file)
      ? readFileSync(file)
      : Buffer.from(randomBytes(24).toString('base64url'));
    handOver(file, password, POSTGRES_UID, 0o600);
  }
  handOver(dir, undefined, POSTGRES_UID, 0o700);
}

/**
 * Writes `bytes` to `file` (or, without bytes, takes the folder `file` as it is) for a
 * container's user `uid`: as root, owned by that user with `mode`. Without root the file cannot
 * be handed over, so on a developer's own machine it is opened to every local user instead
 * (local development secrets only).
 */
function handOver(file: string, bytes: Buffer | undefined, uid: number, mode: number): void {
  if (bytes !== undefined) writeFileSync(file, bytes, { mode });
  const root = process.getuid?.() === 0;
  const folder = bytes === undefined;
  chmodSync(file, root ? mode : folder ? 0o755 : 0o644);
  if (root) chownSync(file, uid, uid);
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
  handOver(file, bytes, POSTGRES_UID, 0o600);
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
    handOver(join(target, name), readFileSync(from), DATAKIT_UID, 0o400);
  }
  handOver(target, undefined, DATAKIT_UID, 0o700);
}

/**
 * The password of a source database's read-only role (`infra:add-source`): generated once into
 * `<role>.password` next to the other roles' files (where PostgreSQL reads it), and copied into
 * the folder local warehouses mount, as `ensureDatakitSecrets` does for pagila's reader.
 */
export function ensureSourceRoleSecret(
  postgresSecretsDir: string,
  datakitSecretsDir: string,
  role: string,
): void {
  mkdirSync(postgresSecretsDir, { recursive: true, mode: 0o700 });
  const file = join(postgresSecretsDir, `${role}.password`);
  const password = existsSync(file)
    ? readFileSync(file)
    : Buffer.from(randomBytes(24).toString('base64url'));
  handOver(file, password, POSTGRES_UID, 0o600);
  mkdirSync(datakitSecretsDir, { recursive: true, mode: 0o700 });
  handOver(join(datakitSecretsDir, `${role}.password`), password, DATAKIT_UID, 0o400);
  handOver(datakitSecretsDir, undefined, DATAKIT_UID, 0o700);
}
