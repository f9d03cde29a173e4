import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  chmodSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine, type ContainerSpec, type RunResult } from '@datakit/docker';
import { buildPlatformImage, readPlatformProject } from '@datakit/images';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { startDelineaTestServer, type DelineaTestServer } from '@datakit/secrets/testing';

// A real MIT KDC of our own (the shared one keeps its lifetimes): tickets live 1 minute and are
// renewable for 2, so renewal and re-initialisation both happen within about 100 seconds.
const IMAGE = 'datakit/kerberos-sidecar:integration-test';
const KDC = 'datakit-sidecar-test-kdc';
const KDC_VOLUME = 'datakit-sidecar-test-kdc-data';
const KDC_PORT = '18088';
const SIDECAR = 'datakit-sidecar-test';
const WRONG = 'datakit-sidecar-test-wrong-keytab';
const CACHE_VOLUME = 'datakit-sidecar-test-cache';
const WRONG_CACHE_VOLUME = 'datakit-sidecar-test-cache-wrong';
const ONCE_CACHE_VOLUME = 'datakit-sidecar-test-cache-once';
const HTTP_PORT = 18754;
const WRONG_HTTP_PORT = 18755;
const MARGIN_SECONDS = 20;
const DATAKIT_USER = '10001:10001';
const CACHE = 'FILE:/var/run/datakit/krb5/ccache';

const engine = new DockerEngine();
const root = repoRoot();
let exportDir: string;
let secretsDir: string;
/** The wrong-keytab sidecar's logs, kept for the final scan after it is removed. */
let wrongLogs = '';
/** The Delinea Secret Server stand-in on 127.0.0.1 (the containers use host networking). */
let delinea: DelineaTestServer | undefined;
const DELINEA_PASSWORD = 'Delinea-Sidecar-Pa55';
/** What `once` runs printed, for the final scan. */
let delineaLogs = '';
const started = Date.now();

/** The sidecar's environment: keytab from a read-only mount, keytab dir on a tmpfs. */
function sidecarSpec(
  name: string,
  keytab: string,
  port: number,
  cacheVolume: string,
): ContainerSpec & { name: string } {
  return {
    name,
    image: IMAGE,
    env: {
      SIDECAR_PRINCIPAL: 'datakit-loader@DATAKIT.TEST',
      SIDECAR_KEYTAB: `file:/run/secrets/${keytab}`,
      SIDECAR_KRB5_CONFIG: '/run/secrets/krb5.conf',
      SIDECAR_KEYTAB_DIR: '/run/datakit/keytab',
      SIDECAR_RENEW_MARGIN_SECONDS: String(MARGIN_SECONDS),
      SIDECAR_RETRY_BASE_SECONDS: '2',
      SIDECAR_RETRY_MAX_SECONDS: '4',
      SIDECAR_HTTP_PORT: String(port),
    },
    binds: [`${secretsDir}:/run/secrets:ro`, `${cacheVolume}:/var/run/datakit/krb5`],
    tmpfs: { '/run/datakit/keytab': 'size=1m,mode=0700,uid=10001,gid=10001' },
    labels: { 'dev.datakit.test': 'kerberos-sidecar' },
  };
}

/** `klist` on the shared cache from another container, as a given user. */
function klistAs(user: string, cacheVolume = CACHE_VOLUME): Promise<RunResult> {
  return engine.runContainer({
    image: IMAGE,
    entrypoint: ['klist'],
    cmd: ['-c', CACHE],
    user,
    env: { KRB5_CONFIG: '/run/secrets/krb5.conf', LC_ALL: 'C' },
    binds: [`${secretsDir}:/run/secrets:ro`, `${cacheVolume}:/var/run/datakit/krb5:ro`],
  });
}

/** What /readyz answers: status and body. */
async function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The sidecar's JSON events so far. */
async function events(name: string): Promise<Array<Record<string, unknown>>> {
  const text = await engine.containerLogs(name, 100_000);
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls until `check` returns a value, or fails after `timeoutMs` naming what it waited for. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(500);
  }
}

async function removeEverything(): Promise<void> {
  for (const name of [SIDECAR, WRONG, KDC]) await engine.removeContainer(name);
  for (const volume of [KDC_VOLUME, CACHE_VOLUME, WRONG_CACHE_VOLUME, ONCE_CACHE_VOLUME]) {
    await engine.removeVolume(volume);
  }
}

beforeAll(async () => {
  await removeEverything();
  await buildPlatformImage(
    root,
    engine,
    readPlatformProject(join(root, 'platform', 'kerberos-sidecar')),
    IMAGE,
  );
  exportDir = mkdtempSync(join(tmpdir(), 'datakit-sidecar-kdc-'));
  secretsDir = mkdtempSync(join(tmpdir(), 'datakit-sidecar-secrets-'));
  await engine.ensureContainer({
    name: KDC,
    image: 'datakit/kdc:local',
    env: {
      KRB5_REALM: 'DATAKIT.TEST',
      KDC_PORT,
      KRB5_MAX_LIFE: '1m',
      KRB5_MAX_RENEWABLE_LIFE: '2m',
      EXPORT_DIR: '/export',
    },
    binds: [`${KDC_VOLUME}:/var/lib/krb5kdc`, `${exportDir}:/export`],
    labels: { 'dev.datakit.test': 'kerberos-sidecar' },
  });
  await waitFor('the test KDC', 60_000, async () =>
    (await engine.containerLogs(KDC)).includes('ready on') ? true : undefined,
  );
  // Keytabs as a secret store would mount them: readable by the sidecar's uid only.
  const secrets: Array<[string, string]> = [
    [join(exportDir, 'datakit-loader.keytab'), 'loader.keytab'],
    [join(exportDir, 'postgres.keytab'), 'postgres.keytab'],
    [localInfra().kerberos.keytabs['datakit-loader'], 'other-realm-loader.keytab'],
    [join(exportDir, 'krb5.conf'), 'krb5.conf'],
  ];
  for (const [from, to] of secrets) {
    copyFileSync(from, join(secretsDir, to));
    chownSync(join(secretsDir, to), 10001, 10001);
    chmodSync(join(secretsDir, to), to.endsWith('.keytab') ? 0o400 : 0o444);
  }
  // The sidecar's own Secret Server login, mounted as Delinea's credentials file.
  writeFileSync(
    join(secretsDir, 'delinea.json'),
    JSON.stringify({ username: 'svc-sidecar', password: DELINEA_PASSWORD }),
  );
  chownSync(join(secretsDir, 'delinea.json'), 10001, 10001);
  chmodSync(join(secretsDir, 'delinea.json'), 0o400);
  delinea = await startDelineaTestServer({
    username: 'svc-sidecar',
    password: DELINEA_PASSWORD,
    tokenLifetimeSeconds: 60,
    secrets: {
      4711: {
        name: 'datakit-loader keytab',
        fields: [
          { slug: 'principal', value: 'datakit-loader@DATAKIT.TEST' },
          { slug: 'keytab', value: readFileSync(join(exportDir, 'datakit-loader.keytab')) },
        ],
      },
    },
  });
  chmodSync(secretsDir, 0o755);
  await engine.ensureContainer(sidecarSpec(SIDECAR, 'loader.keytab', HTTP_PORT, CACHE_VOLUME));
  await engine.ensureContainer(
    sidecarSpec(WRONG, 'postgres.keytab', WRONG_HTTP_PORT, WRONG_CACHE_VOLUME),
  );
});

afterAll(async () => {
  await delinea?.close();
  await removeEverything();
  if (exportDir) rmSync(exportDir, { recursive: true, force: true });
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  console.info(
    `kerberos-sidecar integration tests took ${Math.round((Date.now() - started) / 1000)} s`,
  );
});

describe('the Kerberos sidecar against a real KDC', () => {
  it('becomes ready and reports the principal and expiry on /readyz', async () => {
    const ready = await waitFor('/readyz 200', 30_000, async () => {
      const answer = await readyz(HTTP_PORT);
      return answer.status === 200 ? answer : undefined;
    });
    expect(ready.body).toMatchObject({ ready: true, principal: 'datakit-loader@DATAKIT.TEST' });
    expect(Date.parse(String(ready.body.expiresAt))).toBeGreaterThan(
      Date.now() + MARGIN_SECONDS * 1000,
    );
  });

  it('leaves a TGT for the principal in the shared cache that the datakit user can read', async () => {
    const result = await klistAs(DATAKIT_USER);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Default principal: datakit-loader@DATAKIT.TEST');
    expect(result.stdout).toContain('krbtgt/DATAKIT.TEST@DATAKIT.TEST');
  });

  it('keeps the cache unreadable for any other user', async () => {
    const result = await klistAs('10002:10002');
    expect(result.exitCode).not.toBe(0);
  });

  it('writes the readiness file next to the cache while ready', async () => {
    const result = await engine.exec(SIDECAR, ['cat', '/var/run/datakit/krb5/ready']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ready: true,
      principal: 'datakit-loader@DATAKIT.TEST',
    });
  });

  it('keeps the keytab directory on tmpfs and holds no keytab once kinit is done', async () => {
    const mounts = await engine.exec(SIDECAR, ['cat', '/proc/mounts']);
    expect(mounts.stdout).toMatch(/^\S+ \/run\/datakit\/keytab tmpfs /m);
    const files = await engine.exec(SIDECAR, ['find', '/run/datakit/keytab', '-type', 'f']);
    expect(files.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/\/kerberos-sidecar-[^/]+\/ccache$/),
    ]);
  });

  it('writes nothing keytab-like to the container’s persistent layer', async () => {
    const changes = await engine.containerChanges(SIDECAR);
    const written = changes.filter(
      (c) =>
        c.kind !== 'deleted' &&
        !['/run/datakit', '/run/datakit/keytab', '/run/secrets', '/run'].includes(c.path),
    );
    // Only the mount points themselves show up: the sidecar writes nothing to its own layer.
    expect(written).toEqual([]);
    const shared = await engine.exec(SIDECAR, ['ls', '-A', '/var/run/datakit/krb5']);
    expect(shared.stdout.trim().split('\n').sort()).toEqual(['ccache', 'ready']);
  });

  it('stays unready with a keytab of another principal and says so', async () => {
    const failure = await waitFor('a wrong-keytab failure', 30_000, async () =>
      (await events(WRONG)).find((e) => e.event === 'failure' && e.reason === 'wrong-keytab'),
    );
    expect(String(failure.message)).toMatch(
      /Keytab contains no suitable keys|Key table entry not found|Preauthentication failed/,
    );
    expect((await readyz(WRONG_HTTP_PORT)).status).toBe(503);
    expect(await engine.exec(WRONG, ['test', '-e', '/var/run/datakit/krb5/ready'])).toMatchObject({
      exitCode: 1,
    });
    wrongLogs = await engine.containerLogs(WRONG, 100_000);
    await engine.removeContainer(WRONG);
  });

  it('refuses to start when the keytab directory is not on tmpfs', async () => {
    const spec = sidecarSpec('unused', 'loader.keytab', 0, ONCE_CACHE_VOLUME);
    const result = await engine.runContainer({
      image: IMAGE,
      cmd: ['once'],
      env: { ...spec.env, SIDECAR_KEYTAB_DIR: '/tmp' },
      binds: spec.binds ?? [],
    });
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain('not on tmpfs');
  });

  it('gets one ticket and exits 0 in once mode', async () => {
    const spec = sidecarSpec('unused', 'loader.keytab', 0, ONCE_CACHE_VOLUME);
    const result = await engine.runContainer({
      image: IMAGE,
      cmd: ['once'],
      env: spec.env ?? {},
      binds: spec.binds ?? [],
      tmpfs: spec.tmpfs ?? {},
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await klistAs(DATAKIT_USER, ONCE_CACHE_VOLUME)).stdout).toContain(
      'krbtgt/DATAKIT.TEST@DATAKIT.TEST',
    );
  });

  it('exits non-zero in once mode with a key of another KDC and names the reason', async () => {
    const spec = sidecarSpec('unused', 'other-realm-loader.keytab', 0, ONCE_CACHE_VOLUME);
    const result = await engine.runContainer({
      image: IMAGE,
      cmd: ['once'],
      env: spec.env ?? {},
      binds: spec.binds ?? [],
      tmpfs: spec.tmpfs ?? {},
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"reason":"wrong-keytab"');
  });

  it('gets a ticket in once mode with a delinea: keytab reference from Secret Server', async () => {
    const spec = sidecarSpec('unused', 'loader.keytab', 0, ONCE_CACHE_VOLUME);
    const result = await engine.runContainer({
      image: IMAGE,
      cmd: ['once'],
      env: {
        ...spec.env,
        SIDECAR_KEYTAB: 'delinea:4711/keytab',
        SIDECAR_DELINEA_BASE_URL: delinea!.url,
        SIDECAR_DELINEA_CREDENTIALS_FILE: '/run/secrets/delinea.json',
      },
      binds: spec.binds ?? [],
      tmpfs: spec.tmpfs ?? {},
    });
    delineaLogs += result.stdout + result.stderr;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(delinea!.requests).toEqual([
      'POST /oauth2/token',
      'GET /api/v1/secrets/4711',
      'GET /api/v1/secrets/4711/fields/keytab',
    ]);
    const klist = await klistAs(DATAKIT_USER, ONCE_CACHE_VOLUME);
    expect(klist.stdout).toContain('Default principal: datakit-loader@DATAKIT.TEST');
    expect(klist.stdout).toContain('krbtgt/DATAKIT.TEST@DATAKIT.TEST');
  });

  it('exits 1 in once mode when Secret Server answers an HTML page for the keytab', async () => {
    const proxied = await startDelineaTestServer({
      username: 'svc-sidecar',
      password: DELINEA_PASSWORD,
      secrets: {
        4711: { name: 'keytab', fields: [{ slug: 'keytab', value: Buffer.from([5, 2]) }] },
      },
      htmlAt: /\/fields\//,
    });
    try {
      const spec = sidecarSpec('unused', 'loader.keytab', 0, ONCE_CACHE_VOLUME);
      const result = await engine.runContainer({
        image: IMAGE,
        cmd: ['once'],
        env: {
          ...spec.env,
          SIDECAR_KEYTAB: 'delinea:4711/keytab',
          SIDECAR_DELINEA_BASE_URL: proxied.url,
          SIDECAR_DELINEA_CREDENTIALS_FILE: '/run/secrets/delinea.json',
        },
        binds: spec.binds ?? [],
        tmpfs: spec.tmpfs ?? {},
      });
      delineaLogs += result.stdout + result.stderr;
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('"reason":"secret-unavailable"');
      expect(result.stderr).toContain('an HTML page');
    } finally {
      await proxied.close();
    }
  });

  it('renews, re-initialises when the renewable lifetime is spent, and stays ready across expiries', async () => {
    const first = Date.parse(String((await readyz(HTTP_PORT)).body.expiresAt));
    let unreadySamples = 0;
    await waitFor('a renewal and a re-initialisation', 150_000, async () => {
      if ((await readyz(HTTP_PORT)).status !== 200) unreadySamples += 1;
      const seen = (await events(SIDECAR)).map((e) => e.event);
      return seen.includes('renewed') && seen.includes('reinitialised') && Date.now() > first
        ? true
        : undefined;
    });
    expect(unreadySamples).toBe(0);
    expect((await events(SIDECAR)).filter((e) => e.event === 'unready')).toEqual([]);
    const now = await readyz(HTTP_PORT);
    expect(now.status).toBe(200);
    expect(Date.parse(String(now.body.expiresAt))).toBeGreaterThan(first);
  });

  it('turns unready with the KDC stopped and says the KDC is unreachable', async () => {
    await engine.stopContainer(KDC, 5);
    const unready = await waitFor('the sidecar to turn unready', 90_000, async () => {
      const answer = await readyz(HTTP_PORT);
      return answer.status === 503 ? answer : undefined;
    });
    expect(unready.body).toMatchObject({ ready: false, reason: 'kdc-unreachable' });
    const failures = (await events(SIDECAR)).filter((e) => e.event === 'failure');
    expect(failures.at(-1)).toMatchObject({ reason: 'kdc-unreachable' });
    expect(await engine.exec(SIDECAR, ['test', '-e', '/var/run/datakit/krb5/ready'])).toMatchObject(
      { exitCode: 1 },
    );
  });

  it('recovers when the KDC starts again', async () => {
    await engine.startContainer(KDC);
    await waitFor('/readyz 200 again', 60_000, async () =>
      (await readyz(HTTP_PORT)).status === 200 ? true : undefined,
    );
    expect((await klistAs(DATAKIT_USER)).exitCode).toBe(0);
  });

  it('destroys the cache and the readiness file and exits 0 on SIGTERM', async () => {
    await engine.stopContainer(SIDECAR, 10);
    expect((await engine.containerState(SIDECAR))?.exitCode).toBe(0);
    const left = await engine.runContainer({
      image: IMAGE,
      entrypoint: ['ls', '-A', '/var/run/datakit/krb5'],
      binds: [`${CACHE_VOLUME}:/var/run/datakit/krb5:ro`],
    });
    expect(left.stdout.trim()).toBe('');
    expect((await events(SIDECAR)).at(-1)).toMatchObject({ event: 'stopped' });
  });

  it('never logs keytab bytes or passwords', async () => {
    const logs = (await engine.containerLogs(SIDECAR, 100_000)) + wrongLogs + delineaLogs;
    expect(logs).toContain('"event":"obtained"');
    for (const name of ['loader.keytab', 'postgres.keytab', 'other-realm-loader.keytab']) {
      const keytab = readFileSync(join(secretsDir, name));
      for (const encoded of [
        keytab.toString('base64'),
        keytab.toString('hex'),
        keytab.toString('latin1'),
      ]) {
        // Any 16-character stretch of an encoding would betray part of a key.
        for (let i = 0; i + 16 <= encoded.length; i += 4) {
          expect(logs.includes(encoded.slice(i, i + 16)), `${name} bytes in the logs`).toBe(false);
        }
      }
    }
    expect(logs).not.toMatch(/password/i);
    expect(logs).not.toContain(DELINEA_PASSWORD);
    for (const token of delinea?.issuedTokens ?? []) expect(logs).not.toContain(token);
    expect(existsSync(secretsDir)).toBe(true);
  });
});
