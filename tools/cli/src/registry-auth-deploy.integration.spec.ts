import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { localInfra } from '@datakit/local-infra';
import { copyImage, createRegistryClient, type RegistryClient } from '@datakit/registry';
import { startTokenIssuer, type TokenIssuer } from '@datakit/registry/testing';
import { repoRoot } from './_paths.ts';
import { pushScratchDatakit } from './_scratch-datakit.ts';

// `datakit pin`, `deploy` and `run` through the real binary and engine, with every image the
// deploy needs (the Kerberos sidecar and a datakit built from hello) only in a registry with
// authentication: TLS + htpasswd on 127.0.0.1:5001, and token auth on 127.0.0.1:5002 with its
// issuer (:5003) run by this file. The engine has none of the images first, so the deploy must
// pull them with the credentials the CLI read from a Docker config file; neither the CLI's
// output nor the containers carry the password.
const root = repoRoot();
const infra = localInfra();
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const suffix = randomBytes(3).toString('hex');
const name = `authdeploy-${suffix}`;
const sidecarVersion = (
  JSON.parse(readFileSync(join(root, 'platform', 'kerberos-sidecar', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const local = createRegistryClient({ url: infra.registry.url });
const basic = infra.authRegistries.basic;
const token = infra.authRegistries.token;
// Both registries have the same users with the same generated passwords.
const password = basic.password('datakit');
const registries = {
  basic: createRegistryClient({
    url: basic.url,
    ca: readFileSync(basic.caFile),
    auth: { username: 'datakit', password },
  }),
  token: createRegistryClient({ url: token.url, auth: { username: 'datakit', password } }),
};
/** What to delete from which registry afterwards. */
const cleanup: [RegistryClient, string, string][] = [];
/** Local image references this file made the engine pull. */
const pulled: string[] = [];
let image: { digest: string; contractHash: string };
let scratch: string;
let home: string;
let certs: string;
let issuer: TokenIssuer | undefined;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI with only the registry settings given here (none inherited from this process). Not
 * spawnSync: the token issuer answers from this process's event loop while the CLI (and the
 * engine pulling for it) ask it for tokens.
 */
function datakit(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('DATAKIT_REGISTRY') && key !== 'DOCKER_CONFIG',
    ),
  );
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...inherited, CI: 'true', DATAKIT_DEBUG: '', HOME: home, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A Docker config folder whose `auths` has `datakit:<secret>` for both registries. */
function dockerConfig(secret: string): string {
  const folder = mkdtempSync(join(scratch, 'docker-'));
  const auth = Buffer.from(`datakit:${secret}`).toString('base64');
  const auths = { [basic.host]: { auth }, [token.host]: { auth } };
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ auths }), { mode: 0o600 });
  return folder;
}

/** The CLI's registry settings: a Docker config file, and the CA of :5001 in a certs dir. */
function cliEnv(secret: string): Record<string, string> {
  return { DOCKER_CONFIG: dockerConfig(secret), DATAKIT_REGISTRY_CERTS_DIR: certs };
}

/** A scratch warehouse folder (named as the warehouse) whose local registry is `host`. */
function writeWarehouse(warehouse: string, host: string): string {
  const dir = join(scratch, warehouse);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    `apiVersion: datakit.dev/v1
name: ${warehouse}
connections:
  pagila:
    kind: postgres
    host: 127.0.0.1
    database: pagila
    user: pagila_reader
    password: file:/run/secrets/datakit/pagila_reader.password
kerberos:
  principal: datakit-loader@${infra.kerberos.realm}
  keytab: file:/run/secrets/datakit/datakit-loader.keytab
  krb5Config: /etc/krb5.conf
environments:
  local:
    driver: docker
    registry: ${host}
    secretsDir: ${join(root, '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(root, '.infra')}]
    krb5ConfigFile: ${infra.kerberos.krb5Config}
datakits:
  ${name}:
    version: 1.0.0
    source: pagila
    target: pagila
`,
  );
  return dir;
}

/** Everything of a warehouse this file deployed: containers and the ticket volume. */
async function removeWarehouse(warehouse: string): Promise<void> {
  for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouse }))
    await engine.removeContainer(c.id);
  await engine.removeVolume(`datakit-${warehouse}-local-krb5`);
}

/**
 * Takes a reference out of the engine so a deploy must pull it. Not forced: the same image may
 * carry other names (127.0.0.1:5000/…) that other tests and warehouses use; only this name goes.
 */
async function forget(ref: string): Promise<void> {
  await engine.removeImage(ref);
  expect(await engine.imageInfo(ref)).toBeUndefined();
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-authdeploy-'));
  home = join(scratch, 'home');
  mkdirSync(home);
  certs = join(scratch, 'certs.d');
  mkdirSync(join(certs, basic.host), { recursive: true });
  writeFileSync(join(certs, basic.host, 'ca.crt'), readFileSync(basic.caFile));
  issuer = await startTokenIssuer({
    port: token.issuerPort,
    signer: {
      keyPem: readFileSync(token.signerKeyFile, 'utf8'),
      certPem: readFileSync(token.signerCertFile, 'utf8'),
    },
    issuer: token.issuer,
    service: token.service,
    users: { datakit: { password, actions: ['pull', 'push', 'delete'] } },
  });

  // hello under a scratch name, built on the base in :5000 and pushed there, then copied with
  // the sidecar into both registries with authentication.
  const built = await pushScratchDatakit({
    dir: join(scratch, 'projects', name),
    name,
    version: '1.0.0',
    registry: { client: local, host: infra.registry.host },
    allowDirty: true,
  });
  cleanup.push([local, name, built.digest]);
  image = { digest: built.digest, contractHash: built.contractHash };
  for (const client of Object.values(registries)) {
    const copied = await copyImage(
      { client: local, repo: name, ref: '1.0.0' },
      { client, repo: name, tag: '1.0.0' },
    );
    cleanup.push([client, name, copied.digest]);
    // The sidecar tag is deleted afterwards only when this file put it there.
    const had = await client.resolveTag('kerberos-sidecar', sidecarVersion);
    const sidecar = await copyImage(
      { client: local, repo: 'kerberos-sidecar', ref: sidecarVersion },
      { client, repo: 'kerberos-sidecar', tag: sidecarVersion },
    );
    if (had === undefined) cleanup.push([client, 'kerberos-sidecar', sidecar.digest]);
  }
}, 300_000);

afterAll(async () => {
  for (const warehouse of ['basic', 'basic-refused', 'token', 'token-refused'])
    await removeWarehouse(`${warehouse}-${name}`);
  for (const ref of pulled) await engine.removeImage(ref).catch(() => undefined);
  for (const [client, repository, digest] of cleanup)
    await client.deleteManifest(repository, digest).catch(() => undefined);
  await issuer?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const cases = [
  { kind: 'basic', host: basic.host, url: basic.url, what: 'TLS and htpasswd (Basic) auth' },
  { kind: 'token', host: token.host, url: token.url, what: 'token auth' },
] as const;

describe.each(cases)('deploying through the registry with $what on $host', (registry) => {
  const jobRef = () => `${registry.host}/${name}@${image.digest}`;
  const sidecarRef = `${registry.host}/kerberos-sidecar:${sidecarVersion}`;
  /** The sidecar as the lock pins it and deploy pulls it: by digest. */
  const sidecarByDigest = (dir: string) => {
    const { sidecar } = JSON.parse(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')) as {
      sidecar: { digest: string };
    };
    return `${registry.host}/kerberos-sidecar@${sidecar.digest}`;
  };

  it('refuses a wrong password naming the registry, creates nothing and prints no password', async () => {
    const warehouse = `${registry.kind}-refused-${name}`;
    const dir = writeWarehouse(warehouse, registry.host);
    // A lock made with the right credentials; the deploy then gets wrong ones.
    const pin = await datakit(cliEnv(password), 'pin', dir, `${name}@1.0.0`);
    expect(pin.status, pin.stderr).toBe(0);
    pulled.push(jobRef(), sidecarRef, sidecarByDigest(dir));
    await forget(jobRef());
    await forget(sidecarRef);
    await forget(sidecarByDigest(dir));

    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const deploy = await datakit(cliEnv(wrong), 'deploy', dir);
    expect(deploy.status).toBe(1);
    expect(deploy.stderr).toContain(registry.url);
    expect(deploy.stderr).toMatch(/answered 401/);
    expect(deploy.stderr).not.toMatch(/^\s+at /m);
    for (const output of [deploy.stdout, deploy.stderr]) {
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(Buffer.from(`datakit:${wrong}`).toString('base64'));
    }
    expect(await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouse })).toEqual([]);
    expect(await engine.listVolumes({ [DEPLOY_LABELS.warehouse]: warehouse })).toEqual([]);
    expect(await engine.imageInfo(jobRef())).toBeUndefined();
  });

  it('pins, pulls with the Docker config credentials, deploys by digest and runs the job', async () => {
    const warehouse = `${registry.kind}-${name}`;
    const dir = writeWarehouse(warehouse, registry.host);
    const env = cliEnv(password);
    const pin = await datakit(env, 'pin', dir, `${name}@1.0.0`);
    expect(pin.status, pin.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')) as {
      datakits: Record<string, { reference: string; contractHash: string }>;
    };
    expect(lock.datakits[name]).toMatchObject({
      reference: `${registry.host}/${name}:1.0.0@${image.digest}`,
      contractHash: image.contractHash,
    });

    // The engine has neither image under this registry's name: the deploy has to pull both.
    pulled.push(jobRef(), sidecarRef, sidecarByDigest(dir));
    await forget(jobRef());
    await forget(sidecarRef);
    await forget(sidecarByDigest(dir));
    const deploy = await datakit(env, 'deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);
    expect(deploy.stderr).toContain(`pulling ${sidecarByDigest(dir)}`);
    expect(deploy.stderr).toContain(`pulling ${jobRef()}`);
    expect(await engine.imageInfo(jobRef())).toBeDefined();

    const [job] = await engine.listContainers({
      [DEPLOY_LABELS.warehouse]: warehouse,
      [DEPLOY_LABELS.role]: 'datakit',
    });
    const inspected = spawnSync(
      'docker',
      ['inspect', job?.id ?? '', `datakit-${warehouse}-local-kerberos`],
      {
        encoding: 'utf8',
      },
    );
    expect(inspected.status, inspected.stderr).toBe(0);
    const [jobInspect] = JSON.parse(inspected.stdout) as { Config: { Image: string } }[];
    expect(jobInspect?.Config.Image).toBe(jobRef());

    const run = await datakit(env, 'run', dir, name);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('"status":"succeeded"');

    const secrets = [password, Buffer.from(`datakit:${password}`).toString('base64')];
    for (const output of [
      pin.stdout,
      pin.stderr,
      deploy.stdout,
      deploy.stderr,
      run.stdout,
      run.stderr,
    ]) {
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
    // Labels, environment and everything else the engine keeps of both containers.
    for (const secret of secrets) expect(inspected.stdout).not.toContain(secret);
  });
});
