import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { EnvironmentError } from '@datakit/errors';
import type { InfraPaths } from './paths.ts';

/**
 * The contract between `infraUp`, the token registry's configuration and the test token
 * issuer: the names the registry checks in a token, and where the issuer listens.
 */
export const REGISTRY_TOKEN_AUTH = {
  /** The `aud` a token must carry; the registry's `auth.token.service`. */
  service: 'datakit-registry-token',
  /** The `iss` a token must carry; the registry's `auth.token.issuer`. */
  issuer: 'datakit-test-issuer',
  /** The loopback port of the token issuer (`auth.token.realm`); the tests run it. */
  issuerPort: 5003,
} as const;

/** The users of the authenticated registries: one may push, one may only pull. */
export const REGISTRY_USERS = ['datakit', 'datakit-reader'] as const;

/** One of the authenticated registries' users. */
export type RegistryUser = (typeof REGISTRY_USERS)[number];

/** Where the authenticated registries find their files inside the container. */
export const REGISTRY_AUTH_MOUNT = '/run/registry-auth';

/**
 * Generates, once, what the two authenticated registries need, as a private registry would
 * have: a CA and a TLS certificate for 127.0.0.1/localhost signed by it, a bcrypt htpasswd file
 * with a random password per user, and the token issuer's ES256 key and self-signed
 * certificate (the registry's `rootcertbundle`). Public files and what the registry reads go
 * into `registryAuthDir` (mounted read-only), passwords and private keys it does not need into
 * `registrySecretsDir`. Nothing is committed. `registryUid` names the registry's user in its
 * image, asked only when files are written. Returns whether anything was written.
 */
export async function ensureRegistryAuth(
  paths: InfraPaths,
  registryUid: () => Promise<number>,
): Promise<boolean> {
  const auth = paths.registryAuthDir;
  const secrets = paths.registrySecretsDir;
  const wanted = [
    join(auth, 'ca.crt'),
    join(auth, 'tls.crt'),
    join(auth, 'tls.key'),
    join(auth, 'htpasswd'),
    join(auth, 'token-signer.crt'),
    join(secrets, 'token-signer.key'),
    ...REGISTRY_USERS.map((user) => join(secrets, `${user}.password`)),
  ];
  if (wanted.every((file) => existsSync(file))) return false;

  mkdirSync(auth, { recursive: true, mode: 0o755 });
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  chmodSync(secrets, 0o700);
  const uid = await registryUid();
  const work = mkdtempSync(join(tmpdir(), 'datakit-registry-auth-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      join(secrets, 'ca.key'),
      '-out',
      join(auth, 'ca.crt'),
      '-days',
      '3650',
      '-subj',
      '/CN=datakit local registry CA',
    ]);
    openssl([
      'req',
      '-new',
      ...ec,
      '-keyout',
      join(work, 'tls.key'),
      '-out',
      join(work, 'tls.csr'),
      '-subj',
      '/CN=127.0.0.1',
    ]);
    writeFileSync(
      join(work, 'ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
    );
    openssl([
      'x509',
      '-req',
      '-in',
      join(work, 'tls.csr'),
      '-CA',
      join(auth, 'ca.crt'),
      '-CAkey',
      join(secrets, 'ca.key'),
      '-CAcreateserial',
      '-CAserial',
      join(work, 'ca.srl'),
      '-days',
      '825',
      '-extfile',
      join(work, 'ext.cnf'),
      '-out',
      join(auth, 'tls.crt'),
    ]);
    // The registry (its own user in the container) reads the TLS key; nobody else may.
    writeOwned(join(auth, 'tls.key'), readFileSync(join(work, 'tls.key')), uid, 0o600);
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      join(secrets, 'token-signer.key'),
      '-out',
      join(auth, 'token-signer.crt'),
      '-days',
      '3650',
      '-subj',
      '/CN=datakit test token issuer',
    ]);
    chmodSync(join(secrets, 'token-signer.key'), 0o600);
    chmodSync(join(secrets, 'ca.key'), 0o600);

    const lines: string[] = [];
    for (const user of REGISTRY_USERS) {
      const password = randomBytes(24).toString('base64url');
      writeFileSync(join(secrets, `${user}.password`), password, { mode: 0o600 });
      lines.push(`${user}:${bcrypt.hashSync(password, 10)}`);
    }
    writeOwned(join(auth, 'htpasswd'), Buffer.from(`${lines.join('\n')}\n`), uid, 0o600);
    for (const file of ['ca.crt', 'tls.crt', 'token-signer.crt'])
      chmodSync(join(auth, file), 0o644);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return true;
}

/**
 * Lets the Docker engine this machine runs trust the TLS registry (so `deploy` can pull from
 * it): the local CA as `<certsDir>/127.0.0.1:5001/ca.crt`, Docker's place for a registry's CA,
 * which the engine reads at each pull. The CLI reads the same file. Only as root (the folder
 * is the engine's); returns whether the file was written, or 'not-root'.
 */
export function trustRegistryCa(
  paths: InfraPaths,
  host: string,
  certsDir = '/etc/docker/certs.d',
): boolean | 'not-root' {
  if (process.getuid?.() !== 0) return 'not-root';
  const ca = readFileSync(join(paths.registryAuthDir, 'ca.crt'));
  const file = join(certsDir, host, 'ca.crt');
  if (existsSync(file) && readFileSync(file).equals(ca)) return false;
  mkdirSync(join(certsDir, host), { recursive: true, mode: 0o755 });
  writeFileSync(file, ca, { mode: 0o644 });
  return true;
}

/** Reads a registry user's generated password. */
export function readRegistryPassword(paths: InfraPaths, user: RegistryUser): string {
  return readFileSync(join(paths.registrySecretsDir, `${user}.password`), 'utf8').trim();
}

/**
 * Writes a file the registry's user reads: as root owned by that user; without root (a
 * developer's own machine, local test material only) readable by every local user.
 */
function writeOwned(file: string, bytes: Buffer, uid: number, mode: number): void {
  writeFileSync(file, bytes, { mode });
  const root = process.getuid?.() === 0;
  chmodSync(file, root ? mode : 0o644);
  if (root) chownSync(file, uid, uid);
}

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new EnvironmentError(
      `openssl ${args[0]} failed while making the local registries' certificates: ${
        result.error?.message ?? result.stderr.trim().split('\n').slice(-1)[0] ?? 'no output'
      }.`,
      { hint: 'Install it with `apt-get install openssl` and run `npm run infra:up` again.' },
    );
  }
}
