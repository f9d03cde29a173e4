import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine, type ContainerSpec, type RunResult } from '@datakit/docker';
import { bundleEntry, readPlatformProject } from '@datakit/images';
import { infraPaths, localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';

import { scanEngineImages, scanRegistryImages } from './scan-images.ts';
import { keytabNeedles, NeedleScanner, type Needle } from './secret-needles.ts';

// Kerberos end to end on real components and the shared local infrastructure (`npm run
// infra:up`): the kerberos-sidecar image from the registry turns the datakit-e2e keytab (a
// `file:` secret on the host's tmpfs, copied by the sidecar to its own tmpfs) into a ticket
// cache in a named volume; a datakit on the datakit-base image from the registry reads that
// cache read-only and logs in to PostgreSQL as the password-less role kerberos_reader through
// GSSAPI. datakit-e2e's tickets live 2 minutes and renew for 10 (platform/kdc).
// What the sidecar's own integration tests already show against a KDC of their own (renewal
// and re-initialisation timing, /readyz across expiries, turning unready when the KDC stops
// mid-life, SIGTERM cleanup) is not repeated here.
const infra = localInfra();
const paths = infraPaths();
const root = repoRoot();
const engine = new DockerEngine();
const REALM = infra.kerberos.realm;
const PRINCIPAL = `datakit-e2e@${REALM}`;
const SIDECAR = 'datakit-kerberos-e2e-sidecar';
const WRONG = 'datakit-kerberos-e2e-wrong-keytab';
const CACHE_VOLUME = 'datakit-kerberos-e2e-krb5';
const WRONG_VOLUME = 'datakit-kerberos-e2e-krb5-wrong';
const HTTP_PORT = 18764;
const WRONG_HTTP_PORT = 18765;
const MARGIN_SECONDS = 30;
const KDC = 'datakit-kdc';
const LABELS = { 'dev.datakit.test': 'kerberos-e2e' };
/** How long the long run goes on: past the first ticket's 2-minute life. */
const LONG_RUN_SECONDS = 160;
const CONNECTION = {
  kind: 'postgres',
  host: 'localhost',
  port: infra.postgres.port,
  database: 'pagila',
  user: 'kerberos_reader',
  auth: 'kerberos',
  schema: 'public',
  sslMode: 'disable',
};

const version = (name: string) => readPlatformProject(join(root, 'platform', name)).version;
const SIDECAR_IMAGE = `${infra.registry.host}/kerberos-sidecar:${version('kerberos-sidecar')}`;
const BASE_IMAGE = `${infra.registry.host}/datakit-base:${version('datakit-base')}`;

let secretsDir: string;
let appDir: string;
let firstExpiry: number;
let longRun: Promise<RunResult>;
/** Everything the datakit containers printed, for the final scan. */
const transcript: string[] = [];
const started = Date.now();

function sidecarSpec(
  name: string,
  keytab: string,
  port: number,
  volume: string,
): ContainerSpec & { name: string } {
  return {
    name,
    image: SIDECAR_IMAGE,
    env: {
      SIDECAR_PRINCIPAL: PRINCIPAL,
      SIDECAR_KEYTAB: `file:/run/secrets/datakit/${keytab}`,
      SIDECAR_KRB5_CONFIG: '/run/secrets/datakit/krb5.conf',
      SIDECAR_RENEW_MARGIN_SECONDS: String(MARGIN_SECONDS),
      SIDECAR_RETRY_BASE_SECONDS: '2',
      SIDECAR_RETRY_MAX_SECONDS: '4',
      SIDECAR_HTTP_PORT: String(port),
    },
    // As the Docker deploy driver runs it: secrets read-only, the keytab copied only to the
    // container's /dev/shm (memory), the cache in the shared volume.
    binds: [`${secretsDir}:/run/secrets/datakit:ro`, `${volume}:/var/run/datakit/krb5`],
    tmpfs: { '/dev/shm': 'size=1m,mode=1777' },
    labels: LABELS,
  };
}

/** The datakit: the probe bundle on datakit-base, the ticket cache read-only, no secret. */
function datakitSpec(volume: string, env: Record<string, string> = {}): ContainerSpec {
  return {
    image: BASE_IMAGE,
    cmd: ['probe'],
    env: { PROBE_CONNECTION: JSON.stringify(CONNECTION), ...env },
    binds: [
      `${join(appDir, 'main.mjs')}:/app/main.mjs:ro`,
      `${volume}:/var/run/datakit/krb5:ro`,
      `${join(secretsDir, 'krb5.conf')}:/etc/krb5.conf:ro`,
    ],
    labels: LABELS,
  };
}

async function runDatakit(volume: string, env: Record<string, string> = {}): Promise<RunResult> {
  const result = await engine.runContainer(datakitSpec(volume, env));
  transcript.push(result.stdout, result.stderr);
  return result;
}

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function events(name: string): Promise<Array<Record<string, unknown>>> {
  return lines(await engine.containerLogs(name, 100_000));
}

async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await sleep(500);
  }
}

async function removeEverything(): Promise<void> {
  for (const name of [SIDECAR, WRONG]) await engine.removeContainer(name);
  for (const volume of [CACHE_VOLUME, WRONG_VOLUME]) await engine.removeVolume(volume);
}

/** Every secret of the local infrastructure: keytab keys (raw, base64, hex) and passwords. */
function secretNeedles(): Needle[] {
  const needles: Needle[] = [];
  for (const file of readdirSync(paths.kerberosDir).filter((f) => f.endsWith('.keytab'))) {
    needles.push(...keytabNeedles(file, readFileSync(join(paths.kerberosDir, file))));
  }
  for (const file of readdirSync(paths.postgresSecretsDir)) {
    if (!file.endsWith('.password')) continue;
    needles.push({ name: file, bytes: readFileSync(join(paths.postgresSecretsDir, file)) });
  }
  return needles;
}

beforeAll(async () => {
  await removeEverything();
  for (const image of [SIDECAR_IMAGE, BASE_IMAGE]) {
    if (!(await engine.imageInfo(image))) await engine.pullImage(image);
  }
  // The host side of a `file:` secret on memory too (/dev/shm is tmpfs), as a Kubernetes
  // Secret volume is: the keytab copy made here never lands on a disk.
  secretsDir = mkdtempSync('/dev/shm/datakit-kerberos-e2e-');
  const secrets: Array<[string, string]> = [
    [infra.kerberos.keytabs['datakit-e2e'], 'datakit-e2e.keytab'],
    // Another principal's keys under the name the wrong sidecar is told to use.
    [infra.kerberos.keytabs['datakit-loader'], 'wrong.keytab'],
    [infra.kerberos.krb5Config, 'krb5.conf'],
  ];
  for (const [from, to] of secrets) {
    copyFileSync(from, join(secretsDir, to));
    chownSync(join(secretsDir, to), 10001, 10001);
    chmodSync(join(secretsDir, to), to.endsWith('.keytab') ? 0o400 : 0o444);
  }
  chmodSync(secretsDir, 0o755);
  appDir = mkdtempSync(join(tmpdir(), 'datakit-kerberos-e2e-app-'));
  await bundleEntry(root, 'libs/kerberos-e2e/src/probe/main.ts', join(appDir, 'main.mjs'));
  chmodSync(appDir, 0o755);
  chmodSync(join(appDir, 'main.mjs'), 0o444);

  await engine.ensureContainer(sidecarSpec(SIDECAR, 'datakit-e2e.keytab', HTTP_PORT, CACHE_VOLUME));
  const ready = await waitFor('the sidecar to be ready', 30_000, async () => {
    const answer = await readyz(HTTP_PORT);
    return answer.status === 200 ? answer : undefined;
  });
  firstExpiry = Date.parse(String(ready.body.expiresAt));
  // The long run starts now and is checked in its own test once it ends.
  longRun = runDatakit(CACHE_VOLUME, {
    PROBE_SECONDS: String(LONG_RUN_SECONDS),
    PROBE_INTERVAL: '25',
  });
  longRun.catch(() => undefined);
});

afterAll(async () => {
  await engine.startContainer(KDC);
  await longRun?.catch(() => undefined);
  await removeEverything();
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  console.info(`kerberos end-to-end tests took ${Math.round((Date.now() - started) / 1000)} s`);
});

describe('Kerberos end to end: sidecar, datakit, PostgreSQL, KDC', () => {
  it('(a) the datakit reads PostgreSQL through GSSAPI with no password anywhere', async () => {
    const spec = datakitSpec(CACHE_VOLUME);
    expect(JSON.stringify(spec)).not.toMatch(/password|secret|keytab/i);
    const result = await runDatakit(CACHE_VOLUME);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      expect.objectContaining({
        round: 0,
        kept: { user: 'kerberos_reader', films: 1000 },
        fresh: { user: 'kerberos_reader', films: 1000 },
        native: true,
      }),
    ]);
  });

  it('(d) with a wrong keytab the sidecar says so and the datakit fails pointing at Kerberos', async () => {
    await engine.ensureContainer(sidecarSpec(WRONG, 'wrong.keytab', WRONG_HTTP_PORT, WRONG_VOLUME));
    const failure = await waitFor('a wrong-keytab failure', 30_000, async () =>
      (await events(WRONG)).find((e) => e.event === 'failure' && e.reason === 'wrong-keytab'),
    );
    expect(String(failure.message)).toMatch(
      /Keytab contains no suitable keys|Key table entry not found/,
    );
    expect(await readyz(WRONG_HTTP_PORT)).toMatchObject({
      status: 503,
      body: { ready: false, reason: 'wrong-keytab' },
    });
    const result = await runDatakit(WRONG_VOLUME);
    expect(result.exitCode).toBe(5);
    expect(result.stderr.trim()).toMatchInlineSnapshot(`
      "No valid Kerberos ticket in FILE:/var/run/datakit/krb5/ccache for the source database pagila at localhost:5432 as kerberos_reader: the cache file does not exist.
      Is the Kerberos sidecar ready? It writes this cache (KRB5CCNAME) once it holds a ticket; its log and /readyz say why it does not, e.g. kdc-unreachable or wrong-keytab."
    `);
    transcript.push(await engine.containerLogs(WRONG, 100_000));
    await engine.removeContainer(WRONG);
  });

  it('(b) a run longer than the ticket lifetime keeps reading: the sidecar renewed', async () => {
    const result = await longRun;
    expect(result.exitCode, result.stderr).toBe(0);
    const rounds = lines(result.stdout);
    expect(rounds.length).toBeGreaterThanOrEqual(6);
    for (const round of rounds) {
      expect(round).toMatchObject({
        kept: { user: 'kerberos_reader', films: 1000 },
        fresh: { user: 'kerberos_reader', films: 1000 },
      });
    }
    // The last fresh login came after the first ticket had expired: it used a renewed one.
    expect(Date.parse(String(rounds.at(-1)?.at))).toBeGreaterThan(firstExpiry);
    const log = await events(SIDECAR);
    const seen = log.map((e) => e.event);
    // The sidecar's own events name what happened if either check fails.
    expect(seen, JSON.stringify(log)).toContain('renewed');
    expect(seen, JSON.stringify(log)).not.toContain('unready');
    const now = await readyz(HTTP_PORT);
    expect(now.status).toBe(200);
    expect(Date.parse(String(now.body.expiresAt))).toBeGreaterThan(firstExpiry);
  });

  it('(f) the keytab never touches a persistent disk', async () => {
    const state = await engine.containerState(SIDECAR);
    // The keytab's only copies: the read-only secret from the host's tmpfs, the sidecar's
    // /dev/shm (tmpfs). The one writable persistent mount is the ticket cache volume.
    expect(state?.tmpfs).toEqual({ '/dev/shm': 'size=1m,mode=1777' });
    const hostMounts = readFileSync('/proc/mounts', 'utf8');
    expect(hostMounts).toMatch(/^\S+ \/dev\/shm tmpfs /m);
    expect(state?.mounts.map((m) => [m.destination, m.readWrite, m.source]).sort()).toEqual([
      ['/run/secrets/datakit', false, secretsDir],
      ['/var/run/datakit/krb5', true, expect.stringContaining(CACHE_VOLUME)],
    ]);
    expect(secretsDir.startsWith('/dev/shm/')).toBe(true);
    // Nothing in the writable layer but mount points; no keytab bytes in the cache volume.
    const changes = await engine.containerChanges(SIDECAR);
    const files = changes.filter(
      (c) =>
        c.kind !== 'deleted' &&
        !['/run', '/run/secrets', '/run/secrets/datakit', '/dev', '/dev/shm'].includes(c.path),
    );
    expect(files).toEqual([]);
    const scanner = new NeedleScanner(secretNeedles());
    const listed = await engine.exec(SIDECAR, ['ls', '-A', '/var/run/datakit/krb5']);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(['ccache', 'ready']);
    for (const file of ['ccache', 'ready']) {
      const dump = await engine.exec(SIDECAR, ['base64', '-w0', `/var/run/datakit/krb5/${file}`]);
      expect(dump.exitCode).toBe(0);
      scanner.reset();
      scanner.push(Buffer.from(dump.stdout.trim(), 'base64'));
    }
    const shm = await engine.exec(SIDECAR, ['find', '/dev/shm', '-type', 'f', '-name', '*keytab*']);
    expect(shm.stdout.trim()).toBe('');
    expect(scanner.found()).toEqual([]);
  });

  it('(c) with the KDC stopped the datakit and the sidecar say so; both recover when it is back', async () => {
    try {
      await engine.stopContainer(KDC, 5);
      // The cached ticket is still valid, but a service ticket needs the KDC.
      const noKdc = await runDatakit(CACHE_VOLUME);
      expect(noKdc.exitCode).toBe(5);
      expect(noKdc.stderr).toMatch(
        /^No Kerberos KDC answered while logging in to the source database pagila at localhost:5432 as kerberos_reader: .*Cannot contact any KDC/,
      );
      // A sidecar (re)started during the outage stays unready and says why.
      await engine.stopContainer(SIDECAR, 10);
      await engine.startContainer(SIDECAR);
      const unready = await waitFor('/readyz to say kdc-unreachable', 30_000, async () => {
        const answer = await readyz(HTTP_PORT);
        return answer.body.reason === 'kdc-unreachable' ? answer : undefined;
      });
      expect(unready).toMatchObject({ status: 503, body: { ready: false } });
      expect((await events(SIDECAR)).filter((e) => e.event === 'failure').at(-1)).toMatchObject({
        reason: 'kdc-unreachable',
      });
      const noTicket = await runDatakit(CACHE_VOLUME);
      expect(noTicket.exitCode).toBe(5);
      expect(noTicket.stderr).toMatch(
        /^No valid Kerberos ticket in FILE:.*\nIs the Kerberos sidecar ready\?/,
      );
    } finally {
      await engine.startContainer(KDC);
    }
    await waitFor('/readyz 200 after the KDC is back', 60_000, async () =>
      (await readyz(HTTP_PORT)).status === 200 ? true : undefined,
    );
    const again = await runDatakit(CACHE_VOLUME);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('(e) no image, and no log of this run, holds a keytab byte or a password', async () => {
    const needles = secretNeedles();
    const engineScan = await scanEngineImages(engine, needles);
    const registryScan = await scanRegistryImages(
      createRegistryClient({ url: infra.registry.url }),
      needles,
      engineScan.layers,
    );
    const images = [...engineScan.images, ...registryScan.images];
    expect(images.some((i) => i.image.includes('kerberos-sidecar'))).toBe(true);
    expect(images.some((i) => i.image.includes('datakit-base'))).toBe(true);
    expect(images.filter((i) => i.found.length > 0)).toEqual([]);

    const ours = [...transcript, await engine.containerLogs(SIDECAR, 100_000)].join('\n');
    expect(ours).toContain('"event":"renewed"');
    expect(ours).not.toMatch(/password/i);
    const all = [
      ours,
      await engine.containerLogs('datakit-postgres', 100_000),
      await engine.containerLogs(KDC, 100_000),
    ].join('\n');
    const scanner = new NeedleScanner(needles);
    scanner.push(Buffer.from(all));
    expect(scanner.found()).toEqual([]);
  });
});
