import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, defineTable, describeTable } from '@datakit/contracts';
import { ConfigError, EnvironmentError, ExitCode, RegistryError } from '@datakit/errors';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { assertLockInSync, loadWarehouse } from '@datakit/warehouse';
import { findOutdated } from './find-outdated.ts';
import { planPin, writePin } from './pin-datakit.ts';
import type { PinRegistry } from './pin-registry.ts';
import { pushTestDatakitImage, type TestSpec } from '@datakit/images/testing';
import { verifyError, verifyWarehouse } from './verify-warehouse.ts';

// Pins against the real registry on 127.0.0.1:5000 (small labelled images in a repository of
// this run's own) and verify's contract check against the real PostgreSQL (scratch schemas
// in the warehouse database, read through warehouse_loader with the local secretsDir).
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const suffix = randomBytes(3).toString('hex');
const datakit = `pinstest-${suffix}`;
const source = `pins_${suffix}_src`;
const target = `pins_${suffix}_dst`;
const admin = new pg.Client(infra.postgres.connection('datakit_admin', 'warehouse'));
const pushed: string[] = [];
let dir: string;

const columns = {
  film_id: col.integer().primaryKey(),
  title: col.varchar(255),
  last_update: col.timestamptz().cursor(),
};
const spec: TestSpec = {
  contracts: [
    describeTable(defineTable({ name: 'film', schema: source, columns })),
    describeTable(defineTable({ name: 'film', schema: target, columns })),
  ],
  transforms: [{ name: 'film', source: `${source}.film`, target: `${target}.film` }],
};

const registryAt = (host: string): PinRegistry => ({
  host,
  client: createRegistryClient({ url: `http://${host}`, timeoutMs: 5_000 }),
  file: join(dir, 'warehouse.yaml'),
  field: 'environments.local.registry',
});
const registry = (): PinRegistry => registryAt(infra.registry.host);
/** The Kerberos sidecar of this checkout, which the integration setup pushed. */
const SIDECAR = {
  repository: 'kerberos-sidecar',
  version: (
    JSON.parse(
      readFileSync(join(repoRoot(), 'platform', 'kerberos-sidecar', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version,
};

function writeWarehouse(version: string, port = infra.postgres.port): void {
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    `apiVersion: datakit.dev/v1
name: pins-it
connections:
  dwh:
    kind: postgres
    host: 127.0.0.1
    port: ${port}
    database: warehouse
    user: warehouse_loader
    password: file:/run/secrets/datakit/warehouse_loader.password
kerberos:
  principal: datakit-loader@${infra.kerberos.realm}
  keytab: file:/run/secrets/datakit/datakit-loader.keytab
environments:
  local:
    driver: docker
    registry: ${infra.registry.host}
    secretsDir: ${join(repoRoot(), '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(repoRoot(), '.infra')}]
datakits:
  ${datakit}:
    version: ${version} # pinned by the test
    source: dwh
    target: dwh
`,
  );
}

async function push(tag: string, salt = ''): Promise<string> {
  const digest = await pushTestDatakitImage(client, datakit, tag, spec, salt);
  pushed.push(digest);
  return digest;
}

beforeAll(async () => {
  // Named as the warehouse: a warehouse's name must be its folder's.
  dir = join(mkdtempSync(join(tmpdir(), 'pins-it-')), 'pins-it');
  mkdirSync(dir);
  await admin.connect();
  await admin.query(`create schema ${source}`);
  await admin.query(
    `create table ${source}.film (film_id integer primary key, title varchar(255) not null, last_update timestamptz not null)`,
  );
  for (const tag of ['1.0.0', '1.1.0', '2.0.0']) await push(tag);
});

afterAll(async () => {
  await admin.query(`drop schema if exists ${source} cascade`);
  await admin.end();
  for (const digest of new Set(pushed)) {
    try {
      await client.deleteManifest(datakit, digest);
    } catch (error) {
      if (!(error instanceof RegistryError && error.status === 404)) throw error;
    }
  }
  rmSync(dirname(dir), { recursive: true, force: true });
});

describe('pins against the real registry and PostgreSQL', () => {
  it('pins a range to the newest version it allows, with digest and contract hash', async () => {
    writeWarehouse('1.0.0');
    const plan = await planPin(
      loadWarehouse(dir),
      { datakit, requested: '^1.0.0' },
      registry(),
      {},
      SIDECAR,
    );
    writePin(plan);
    const loaded = loadWarehouse(dir);
    const entry = assertLockInSync(loaded).datakits[datakit]!;
    const digest = await client.resolve(datakit, '1.1.0');
    expect(entry).toEqual({
      requested: '^1.0.0',
      version: '1.1.0',
      reference: `${infra.registry.host}/${datakit}:1.1.0@${digest}`,
      digest,
      contractHash: (await client.labels(datakit, '1.1.0'))['dev.datakit.contract.hash'],
    });
    expect(readFileSync(join(dir, 'warehouse.yaml'), 'utf8')).toContain(
      'version: ^1.0.0 # pinned by the test',
    );
  });

  it('verifies the lock: in sync, at the locked digest, contract compatible with the live tables', async () => {
    const result = await verifyWarehouse(loadWarehouse(dir), registry(), { environment: 'local' });
    expect(result.checks.map((c) => [c.check, c.status])).toEqual([
      ['lock', 'ok'],
      ['sidecar', 'ok'],
      ['registry', 'ok'],
      ['contract-hash', 'ok'],
      ['write-modes', 'ok'],
      ['live-tables', 'ok'],
      ['live-tables', 'ok'],
    ]);
    expect(result.ok).toBe(true);
    expect(verifyError([result])).toBeUndefined();
  });

  it('shows the newer version outside the range as outdated', async () => {
    const [row] = await findOutdated(loadWarehouse(dir), registry());
    expect(row).toMatchObject({
      locked: '1.1.0',
      wanted: '1.1.0',
      latest: '2.0.0',
      tag: 'same',
      updateInRange: false,
      updateOutOfRange: true,
    });
  });

  it('reports schema drift of a live source table with exit code 3', async () => {
    await admin.query(`alter table ${source}.film alter column title type text`);
    try {
      const result = await verifyWarehouse(loadWarehouse(dir), registry(), {
        environment: 'local',
      });
      const failed = result.checks.filter((c) => c.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toContain(`! ${source}.film.title: type changed`);
      expect(verifyError([result])?.exitCode).toBe(ExitCode.Drift);
    } finally {
      await admin.query(`alter table ${source}.film alter column title type varchar(255)`);
    }
  });

  it('reports a database that does not answer with exit code 5', async () => {
    writeWarehouse('^1.0.0', 1);
    const result = await verifyWarehouse(loadWarehouse(dir), registry(), { environment: 'local' });
    expect(verifyError([result])?.exitCode).toBe(ExitCode.Environment);
    writeWarehouse('^1.0.0');
  });

  it('refuses a version that does not exist, listing those that do, and writes nothing', async () => {
    const before = readFileSync(join(dir, 'datakits.lock.json'), 'utf8');
    const promise = planPin(loadWarehouse(dir), { datakit, requested: '^3.0.0' }, registry());
    await expect(promise).rejects.toThrowError(ConfigError);
    await expect(promise).rejects.toThrowError(
      /field "datakits\.pinstest-[0-9a-f]+\.version" asks for "\^3\.0\.0".*the versions that exist are 2\.0\.0, 1\.1\.0, 1\.0\.0\./,
    );
    expect(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')).toBe(before);
  });

  it('reports a tag pushed again over another image, and never follows it', async () => {
    const locked = loadWarehouse(dir).lock!.datakits[datakit]!.digest;
    const moved = await push('1.1.0', 'moved');
    expect(moved).not.toBe(locked);
    const result = await verifyWarehouse(loadWarehouse(dir), registry(), { environment: 'local' });
    const check = result.checks.find((c) => c.check === 'registry')!;
    expect(check).toMatchObject({ status: 'failed', exitCode: ExitCode.Config });
    expect(check.message).toContain('now points at another image; the tag is not followed');
    expect(verifyError([result])?.exitCode).toBe(ExitCode.Config);
    const [row] = await findOutdated(loadWarehouse(dir), registry());
    expect(row).toMatchObject({ tag: 'moved', currentDigest: moved, locked: '1.1.0' });
    await expect(
      planPin(loadWarehouse(dir), { datakit, requested: '^1.0.0' }, registry()),
    ).rejects.toThrowError(/field "datakits\.pinstest-[0-9a-f]+\.digest" is sha256:/);
    expect(loadWarehouse(dir).lock!.datakits[datakit]!.digest).toBe(locked);
  });

  it('turns a registry that does not answer into an environment error, exit 5', async () => {
    const promise = planPin(
      loadWarehouse(dir),
      { datakit, requested: '2.0.0' },
      registryAt('127.0.0.1:1'),
    );
    await expect(promise).rejects.toThrowError(EnvironmentError);
    await expect(promise).rejects.toThrowError(/field "environments\.local\.registry"/);
  });
});
