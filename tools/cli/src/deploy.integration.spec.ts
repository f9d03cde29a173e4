import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, defineTable, describeTable } from '@datakit/contracts';
import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { lockInputsDigest, parseWarehouseYaml } from '@datakit/warehouse';
import { repoRoot } from './_paths.ts';
import { lockedSidecar, pushScratchDatakit } from './_scratch-datakit.ts';

// The Docker deploy cycle through the real `datakit` binary, engine, registry and KDC: a
// scratch datakit pushed at two versions, a scratch warehouse pinning it.
const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const name = `deploytest-${randomBytes(3).toString('hex')}`;
const warehouseName = `wh-${name}`;
/** A second warehouse, without a kerberos block: its connection logs in with a password. */
const plainName = `plain-${name}`;
let scratch: string;
let warehouseDir: string;
const digests: Record<string, string> = {};
const contractHashes: Record<string, string> = {};
/** The lock's entry for the Kerberos sidecar this checkout pushed: deploy runs it by digest. */
let sidecarEntry: unknown;

const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });

/** A table only version 1.1.0 has (its target does not exist, so the live check passes). */
const greeting = describeTable(
  defineTable({
    name: 'greeting',
    schema: `hello_${randomBytes(3).toString('hex')}`,
    columns: { id: col.integer().primaryKey(), text: col.text() },
  }),
);

/** Writes warehouse.yaml pinning `version`, and a lock in sync with it. */
function pin(version: string): void {
  writeWarehouse(warehouseDir, warehouseName, version, { kerberos: true });
}

/**
 * Writes a warehouse folder's warehouse.yaml pinning the scratch datakit at `version` (with or
 * without a kerberos block; its connection logs in with a password either way) and a lock in
 * sync with it.
 */
function writeWarehouse(
  dir: string,
  warehouse: string,
  version: string,
  options: { kerberos: boolean },
): void {
  const kerberos = `kerberos:
  principal: datakit-loader@${infra.kerberos.realm}
  keytab: file:/run/secrets/datakit/datakit-loader.keytab
  krb5Config: /etc/krb5.conf
`;
  const yaml = `apiVersion: datakit.dev/v1
name: ${warehouse}
connections:
  pagila:
    kind: postgres
    host: 127.0.0.1
    database: pagila
    user: pagila_reader
    password: file:/run/secrets/datakit/pagila_reader.password
${options.kerberos ? kerberos : ''}environments:
  local:
    driver: docker
    registry: ${infra.registry.host}
    secretsDir: ${join(root, '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(root, '.infra')}]
    krb5ConfigFile: ${infra.kerberos.krb5Config}
datakits:
  ${name}:
    version: ${version}
    source: pagila
    target: pagila
`;
  writeFileSync(join(dir, 'warehouse.yaml'), yaml);
  const parsed = parseWarehouseYaml(yaml, 'warehouse.yaml');
  const digest = digests[version]!;
  const lock = {
    lockVersion: 1,
    warehouse,
    inputsDigest: lockInputsDigest(parsed),
    datakits: {
      [name]: {
        requested: version,
        version,
        reference: `${infra.registry.host}/${name}:${version}@${digest}`,
        digest,
        // deploy checks the image's contract hash label against the lock.
        contractHash: contractHashes[version]!,
      },
    },
  };
  // With Kerberos, the sidecar is locked by digest as `datakit pin` does it.
  const sidecar = options.kerberos ? { sidecar: sidecarEntry } : {};
  writeFileSync(join(dir, 'datakits.lock.json'), JSON.stringify({ ...lock, ...sidecar }, null, 2));
}

async function jobContainer(): Promise<{ id: string; digest: string | undefined }> {
  const [container] = await engine.listContainers({
    [DEPLOY_LABELS.warehouse]: warehouseName,
    [DEPLOY_LABELS.role]: 'datakit',
  });
  return { id: container?.id ?? '', digest: container?.labels[DEPLOY_LABELS.digest] };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-deploy-'));
  // Named as the warehouse: a warehouse's name must be its folder's.
  warehouseDir = join(scratch, warehouseName);
  mkdirSync(warehouseDir);
  // The sidecar image every deploy needs.
  const sidecar = datakit('images', 'push', 'kerberos-sidecar');
  expect(sidecar.status, sidecar.stderr).toBe(0);
  sidecarEntry = await lockedSidecar({ client, host: infra.registry.host });
  // The minor adds a table: plan shows that diff between the running image and the new one.
  const withGreeting = (hello: string) =>
    hello.replace(
      'contracts: [], config: {}',
      `contracts: ${JSON.stringify([greeting])}, transforms: ${JSON.stringify([
        {
          name: 'greeting',
          source: `${greeting.schema}.greeting`,
          target: `${greeting.schema}.greeting`,
        },
      ])}, config: {}`,
    );
  for (const version of ['1.0.0', '1.1.0']) {
    const image = await pushScratchDatakit({
      dir: join(scratch, `${name}-${version}`),
      name,
      version,
      registry: { client, host: infra.registry.host },
      ...(version === '1.1.0' ? { main: withGreeting } : {}),
    });
    digests[version] = image.digest;
    contractHashes[version] = image.contractHash;
  }
});

afterAll(async () => {
  for (const warehouse of [warehouseName, plainName]) {
    for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouse }))
      await engine.removeContainer(c.id);
    await engine.removeVolume(`datakit-${warehouse}-local-krb5`);
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('deploying a warehouse on Docker', () => {
  it('plans one datakit to add', () => {
    pin('1.0.0');
    const plan = datakit('plan', warehouseDir, '--json');
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({
      empty: false,
      changes: [{ action: 'add', datakit: name, to: { version: '1.0.0' } }],
    });
  });

  it('deploys the sidecar and the job by digest, and a second deploy changes nothing', async () => {
    const first = datakit('deploy', warehouseDir);
    expect(first.status, first.stderr).toBe(0);
    const before = await jobContainer();
    expect(`sha256:${before.digest}`).toBe(digests['1.0.0']!.slice(0, 'sha256:'.length + 63));
    const second = datakit('deploy', warehouseDir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('no changes');
    expect((await jobContainer()).id).toBe(before.id);
  });

  it('confines the job and the sidecar: read-only, no capabilities, non-root, limits, own secrets only', async () => {
    const confined = {
      readOnlyRootFilesystem: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges'],
    };
    const job = (await engine.containerState((await jobContainer()).id))!;
    expect(job.user).toBe('10001:10001');
    expect(job.hardening).toEqual({
      ...confined,
      memoryBytes: 2 ** 30,
      pidsLimit: 256,
      restartPolicy: 'no',
    });
    expect(Object.keys(job.tmpfs)).toEqual(['/tmp']);
    // Its own connection's password, read-only; never the keytab.
    const secrets = job.mounts.filter((m) => m.destination.startsWith('/run/secrets/'));
    expect(secrets.map((m) => [m.destination, m.readWrite])).toEqual([
      ['/run/secrets/datakit/pagila_reader.password', false],
    ]);
    const sidecar = (await engine.containerState(`datakit-${warehouseName}-local-kerberos`))!;
    expect(sidecar.running).toBe(true);
    expect(sidecar.user).toBe('10001:10001');
    expect(sidecar.hardening).toEqual({
      ...confined,
      memoryBytes: 128 * 2 ** 20,
      pidsLimit: 64,
      restartPolicy: 'unless-stopped',
    });
    expect(
      sidecar.mounts
        .filter((m) => m.destination.startsWith('/run/secrets/'))
        .map((m) => m.destination),
    ).toEqual(['/run/secrets/datakit/datakit-loader.keytab']);
  });

  it('runs the job now with a ticket from the sidecar, streaming its events and its exit code', () => {
    const run = datakit('run', warehouseDir, name);
    expect(run.status, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(events.at(-1)).toMatchObject({ type: 'summary', status: 'succeeded' });
    const status = JSON.parse(datakit('status', warehouseDir, '--json').stdout) as {
      sidecar: { ready: boolean };
      jobs: { state: string; lastRun: { exitCode: number } }[];
    };
    expect(status.sidecar.ready).toBe(true);
    expect(status.jobs[0]).toMatchObject({ state: 'succeeded', lastRun: { exitCode: 0 } });
  });

  it('upgrades to a newer pin, then rolls back to the previous digest', async () => {
    pin('1.1.0');
    const text = datakit('plan', warehouseDir);
    expect(text.stdout).toContain(`${name} 1.0.0 -> 1.1.0`);
    expect(text.stdout).toContain(`+ additive  table ${greeting.schema}.greeting is new`);
    const plan = JSON.parse(datakit('plan', warehouseDir, '--json').stdout) as {
      changes: { action: string; reasons: string[] }[];
      upgrades: unknown[];
    };
    expect(plan.changes[0]).toMatchObject({
      action: 'change',
      reasons: ['version 1.0.0 -> 1.1.0'],
    });
    // What the move changes in its tables, from the two images' labels, and the live check.
    expect(plan.upgrades).toMatchObject([
      {
        datakit: name,
        from: '1.0.0',
        to: '1.1.0',
        impact: {
          breaking: false,
          diff: { changes: [{ class: 'additive', kind: 'table-added' }] },
          migration: '-- no DDL is needed',
        },
        live: { status: 'ok' },
      },
    ]);
    expect(datakit('deploy', warehouseDir).status).toBe(0);
    expect(`sha256:${(await jobContainer()).digest}`).toBe(
      digests['1.1.0']!.slice(0, 'sha256:'.length + 63),
    );
    const rollback = datakit('rollback', warehouseDir);
    expect(rollback.status, rollback.stderr).toBe(0);
    expect(`sha256:${(await jobContainer()).digest}`).toBe(
      digests['1.0.0']!.slice(0, 'sha256:'.length + 63),
    );
    expect(datakit('run', warehouseDir, name).status).toBe(0);
  });

  it('refuses an unknown environment with exit code 2 and deploys nothing', async () => {
    const before = await jobContainer();
    const result = datakit('deploy', warehouseDir, '--env', 'staging');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'field "environments" has no environment "staging"; it has "local"',
    );
    expect((await jobContainer()).id).toBe(before.id);
  });

  it('refuses a lock out of sync with warehouse.yaml with exit code 2', () => {
    const yaml = readFileSync(join(warehouseDir, 'warehouse.yaml'), 'utf8');
    writeFileSync(
      join(warehouseDir, 'warehouse.yaml'),
      yaml.replace('version: 1.1.0', 'version: 2.0.0'),
    );
    const result = datakit('deploy', warehouseDir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('datakits.lock.json is out of sync');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('deploying a warehouse without Kerberos on Docker', () => {
  let dir: string;

  it('refuses a Kerberos connection without a kerberos block with exit code 2, naming file and field', () => {
    dir = join(scratch, plainName);
    mkdirSync(dir);
    writeWarehouse(dir, plainName, '1.0.0', { kerberos: false });
    const yaml = readFileSync(join(dir, 'warehouse.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'warehouse.yaml'),
      yaml.replace(
        '    password: file:/run/secrets/datakit/pagila_reader.password\n',
        '    auth: kerberos\n',
      ),
    );
    const result = datakit('deploy', dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(join(dir, 'warehouse.yaml'));
    expect(result.stderr).toContain('field "connections.pagila.auth": is "kerberos"');
  });

  it('deploys no sidecar and no ticket volume, and runs the job without waiting for a ticket', async () => {
    writeWarehouse(dir, plainName, '1.0.0', { kerberos: false });
    const deploy = datakit('deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);
    const containers = await engine.listContainers({ [DEPLOY_LABELS.warehouse]: plainName });
    expect(containers.map((c) => c.labels[DEPLOY_LABELS.role])).toEqual(['datakit']);
    expect(await engine.listVolumes({ [DEPLOY_LABELS.warehouse]: plainName })).toEqual([]);
    const job = (await engine.containerState(containers[0]!.id))!;
    expect(job.mounts.map((m) => m.destination)).not.toContain('/var/run/datakit/krb5');
    expect(job.hardening.readOnlyRootFilesystem).toBe(true);
    // A second of ticket timeout would fail any job that waited for a sidecar.
    const run = datakit('run', dir, name, '--ticket-timeout', '1');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('"status":"succeeded"');
    const status = JSON.parse(datakit('status', dir, '--json').stdout) as {
      sidecar?: unknown;
      jobs: { state: string }[];
    };
    expect(status.sidecar).toBeUndefined();
    expect(status.jobs).toMatchObject([{ state: 'succeeded' }]);
    const plan = JSON.parse(datakit('plan', dir, '--json').stdout) as { empty: boolean };
    expect(plan.empty).toBe(true);
  });
});
