import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import {
  buildDatakitImage,
  pushDatakitImage,
  readDatakitProject,
  registryBaseReader,
} from '@datakit/images';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { repoRoot } from './_paths.ts';

// The analytics warehouse as shipped (warehouses/analytics/warehouse.yaml), under a name of
// its own so the test never touches a developer's deployment: pagila-bronze built from this
// tree and pushed, pinned with `datakit pin`, deployed on Docker next to the Kerberos sidecar,
// run now; the rows must arrive in the warehouse database. The image is pushed under a
// prerelease of its version of its own (`1.1.0-e2e.<random>`): tags are immutable, and the local
// registry outlives test runs of other commits whose pagila-bronze 1.1.0 has another digest.
const root = repoRoot();
const infra = localInfra();
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const warehouseName = `analytics-e2e-${randomBytes(3).toString('hex')}`;
const project = readDatakitProject(join(root, 'datakits', 'pagila-bronze'), root);
const version = `${project.version}-e2e.${randomBytes(3).toString('hex')}`;
let dir: string;

const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 600_000,
  });

type Role = Parameters<typeof infra.postgres.connection>[0];

async function count(database: string, user: Role, table: string): Promise<number> {
  const client = new pg.Client(infra.postgres.connection(user, database));
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

async function jobIds(): Promise<string[]> {
  const containers = await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouseName });
  return containers.map((c) => c.id).sort();
}

beforeAll(async () => {
  // Named as the warehouse: a warehouse's name must be its folder's.
  dir = join(mkdtempSync(join(tmpdir(), 'datakit-analytics-')), warehouseName);
  mkdirSync(dir);
  const shipped = readFileSync(join(root, 'warehouses', 'analytics', 'warehouse.yaml'), 'utf8');
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    shipped
      .replace(/^name: analytics$/m, `name: ${warehouseName}`)
      .replace(/^# yaml-language-server.*$/m, '')
      .replaceAll('../../.infra/', `${join(root, '.infra')}/`),
  );
  const sidecar = datakit('images', 'push', 'kerberos-sidecar');
  expect(sidecar.status, sidecar.stderr).toBe(0);
  const client = createRegistryClient({ url: infra.registry.url });
  const image = await buildDatakitImage({ ...project, version }, root, registryBaseReader(client));
  await pushDatakitImage(image, client, infra.registry.host, { allowDirty: true });
}, 600_000);

afterAll(async () => {
  for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouseName }))
    await engine.removeContainer(c.id);
  await engine.removeVolume(`datakit-${warehouseName}-local-krb5`);
  rmSync(dirname(dir), { recursive: true, force: true });
});

describe('the analytics warehouse on Docker', () => {
  it('pins pagila-bronze through the registry, deploys it, and a second deploy changes nothing', async () => {
    const pin = datakit('pin', dir, `pagila-bronze@${version}`);
    expect(pin.status, pin.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')) as {
      datakits: Record<string, { version: string; digest: string }>;
    };
    expect(lock.datakits['pagila-bronze']).toMatchObject({ version });

    const first = datakit('deploy', dir);
    expect(first.status, first.stderr).toBe(0);
    const before = await jobIds();
    expect(before).toHaveLength(2); // the sidecar and the job
    const second = datakit('deploy', dir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('no changes');
    expect(await jobIds()).toEqual(before);
  });

  it('runs pagila-bronze now: every pagila table arrives in the warehouse', async () => {
    const run = datakit('run', dir, 'pagila-bronze');
    expect(run.status, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({
      type: 'summary',
      status: 'succeeded',
      tables: 15,
      rejected: 0,
    });
    for (const table of ['rental', 'payment', 'customer', 'film', 'film_actor']) {
      expect([table, await count('warehouse', 'warehouse_reader', `bronze.${table}`)]).toEqual([
        table,
        await count('pagila', 'pagila_reader', `public.${table}`),
      ]);
    }
  });
});
