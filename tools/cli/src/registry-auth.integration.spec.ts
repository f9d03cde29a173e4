import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, defineTable, describeTable } from '@datakit/contracts';
import { localInfra } from '@datakit/local-infra';
import { pushTestDatakitImage, type TestSpec } from '@datakit/images/testing';
import { createRegistryClient } from '@datakit/registry';
import { repoRoot } from './_paths.ts';

// `datakit pin` through the real binary against the TLS + htpasswd registry that infra:up
// runs on 127.0.0.1:5001: the CA where Docker keeps it (certs.d/<host>/ca.crt, under
// DATAKIT_REGISTRY_CERTS_DIR here), the credentials from a Docker
// config file or a secret reference, never from flags, and never in what the CLI prints.
const root = repoRoot();
const registry = localInfra().authRegistries.basic;
const password = registry.password('datakit');
const client = createRegistryClient({
  url: registry.url,
  ca: readFileSync(registry.caFile),
  auth: { username: 'datakit', password },
});
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const suffix = randomBytes(3).toString('hex');
const name = `authcli-${suffix}`;
const pushed: string[] = [];
let dir: string;
let home: string;
let certs: string;
let noCerts: string;

/** The CLI with only the registry settings given here (none inherited from this process). */
function datakit(env: Record<string, string>, ...args: string[]) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('DATAKIT_REGISTRY') && key !== 'DOCKER_CONFIG',
    ),
  );
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...inherited, CI: 'true', DATAKIT_DEBUG: '', HOME: home, ...env },
  });
}

const table = defineTable({
  name: 'actor',
  schema: 'authcli',
  columns: { actor_id: col.integer().primaryKey(), first_name: col.varchar(45) },
});
const spec: TestSpec = {
  contracts: [describeTable(table)],
  transforms: [],
};

const yaml = `apiVersion: datakit.dev/v1
name: authcli
connections:
  dwh:
    kind: postgres
    host: 127.0.0.1
    database: warehouse
    user: warehouse_loader
    password: file:/run/secrets/datakit/warehouse_loader.password
environments:
  local:
    driver: docker
    registry: ${registry.host}
datakits:
  ${name}:
    version: 1.0.0
    source: dwh
    target: dwh
`;

/** A Docker config folder whose `auths` has `user:secret` for the registry. */
function dockerConfig(secret: string): string {
  const folder = mkdtempSync(join(dirname(dir), 'docker-'));
  const auth = Buffer.from(`datakit:${secret}`).toString('base64');
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth } } }),
    { mode: 0o600 },
  );
  return folder;
}

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'authcli-'));
  dir = join(base, 'authcli');
  home = join(base, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  certs = join(base, 'certs.d');
  mkdirSync(join(certs, registry.host), { recursive: true });
  writeFileSync(join(certs, registry.host, 'ca.crt'), readFileSync(registry.caFile));
  noCerts = join(base, 'no-certs.d');
  mkdirSync(noCerts);
  writeFileSync(join(dir, 'warehouse.yaml'), yaml);
  for (const tag of ['1.0.0', '1.2.0']) {
    pushed.push(await pushTestDatakitImage(client, name, tag, spec));
  }
});

afterAll(async () => {
  for (const digest of pushed) await client.deleteManifest(name, digest).catch(() => undefined);
  rmSync(dirname(dir), { recursive: true, force: true });
});

describe('datakit pin through a registry with TLS and Basic auth', () => {
  it('pins with the credentials of a Docker config file, over TLS with the CA in certs.d', () => {
    const run = datakit(
      { DOCKER_CONFIG: dockerConfig(password), DATAKIT_REGISTRY_CERTS_DIR: certs },
      'pin',
      dir,
      `${name}@^1.0.0`,
      '--json',
    );
    expect(run.status, run.stderr).toBe(0);
    const lock = readFileSync(join(dir, 'datakits.lock.json'), 'utf8');
    expect(lock).toContain(`"${registry.host}/${name}:1.2.0@${pushed[1] ?? ''}"`);
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('reads the password from a file: secret reference', () => {
    const file = join(dirname(dir), 'registry.password');
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    const run = datakit(
      {
        DATAKIT_REGISTRY_USERNAME: 'datakit',
        DATAKIT_REGISTRY_PASSWORD_REF: `file:${file}`,
        DATAKIT_REGISTRY_CERTS_DIR: certs,
      },
      'pin',
      dir,
      `${name}@1.0.0`,
      '--dry-run',
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `"reference": "${registry.host}/${name}:1.0.0@${pushed[0] ?? ''}"`,
    );
  });

  it('fails with the registry refusing the credentials, and prints no password', () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const run = datakit(
      { DOCKER_CONFIG: dockerConfig(wrong), DATAKIT_REGISTRY_CERTS_DIR: certs },
      'pin',
      dir,
      `${name}@1.0.0`,
      '--dry-run',
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Registry ${registry.url} answered 401 Unauthorized`);
    expect(run.stderr).toContain(`Check the credentials for ${registry.url}.`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    for (const output of [run.stdout, run.stderr]) {
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(Buffer.from(`datakit:${wrong}`).toString('base64'));
    }
  });

  it('says the registry speaks TLS when no CA is there for it', () => {
    const run = datakit(
      { DOCKER_CONFIG: dockerConfig(password), DATAKIT_REGISTRY_CERTS_DIR: noCerts },
      'pin',
      dir,
      `${name}@1.0.0`,
      '--dry-run',
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      `Registry http://${registry.host} speaks TLS, but was asked over plain HTTP (400 to GET /v2/${name}/tags/list).`,
    );
    expect(run.stdout + run.stderr).not.toContain(password);
  });
});
