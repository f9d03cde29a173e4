import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, defineTable, describeTable, withAudit } from '@datakit/contracts';
import { createTableSql } from '@datakit/databases';
import { ExitCode, RegistryError } from '@datakit/errors';
import { formatBreakingChanges, LABELS } from '@datakit/images';
import { pushTestDatakitImage, type TestSpec } from '@datakit/images/testing';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { loadWarehouse } from '@datakit/warehouse';
import { checkUpgrades, upgradeDriftError, type PlannedChanges } from './check-upgrades.ts';
import type { PinRegistry } from './pin-registry.ts';

// Upgrade impact before a deploy, against the real registry (images labelled with two versions'
// specs, the newer with breaking-change notes) and the real warehouse (the tables the older
// version made): the deploy check stops (exit 3) until the printed migration has been run.
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const suffix = randomBytes(3).toString('hex');
const datakit = `upgradetest-${suffix}`;
const target = `upg_${suffix}_dst`;
const admin = new pg.Client(infra.postgres.connection('datakit_admin', 'warehouse'));
const pushed: string[] = [];
let dir: string;

const source = (columns: Parameters<typeof defineTable>[0]['columns']) =>
  defineTable({ name: 'film', schema: 'src', columns });
const bronze = (columns: Parameters<typeof defineTable>[0]['columns']) =>
  withAudit(defineTable({ name: 'film', schema: target, columns }));
const v1 = {
  film_id: col.integer().primaryKey(),
  title: col.varchar(40),
  rating: col.text(),
};
const v2 = { film_id: col.integer().primaryKey(), title: col.text() };
const specOf = (columns: typeof v1 | typeof v2): TestSpec => ({
  contracts: [describeTable(source(columns)), describeTable(bronze(columns))],
  transforms: [{ name: 'film', source: 'src.film', target: `${target}.film` }],
});
const digests: Record<string, string> = {};

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'upgrade-it-')), 'upgrade-it');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    `apiVersion: datakit.dev/v1
name: upgrade-it
connections:
  dwh:
    kind: postgres
    host: 127.0.0.1
    port: ${infra.postgres.port}
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
    version: 2.0.0
    source: dwh
    target: dwh
`,
  );
  digests['1.0.0'] = await pushTestDatakitImage(client, datakit, '1.0.0', specOf(v1));
  const notes = formatBreakingChanges({
    '2.0.0': {
      since: '1.0.0',
      changes: [`${target}.film.rating: column rating text is removed`],
      migration: [
        `ALTER TABLE ${target}.film ALTER COLUMN rating DROP NOT NULL;`,
        `ALTER TABLE ${target}.film ALTER COLUMN title TYPE text;`,
      ].join('\n'),
      note: 'rating moved to the film_rating datakit',
    },
  });
  digests['2.0.0'] = await pushTestDatakitImage(client, datakit, '2.0.0', specOf(v2), '', {
    [LABELS.breakingChanges]: notes,
  });
  pushed.push(...Object.values(digests));
  // The tables version 1.0.0 made, with a row.
  await admin.connect();
  await admin.query(`create schema ${target}`);
  await admin.query(`grant all on schema ${target} to warehouse_loader`);
  await admin.query(createTableSql(bronze(v1), target));
  await admin.query(`alter table ${target}.film owner to warehouse_loader`);
});

afterAll(async () => {
  await admin.query(`drop schema if exists ${target} cascade`);
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

const registry = (): PinRegistry => ({
  host: infra.registry.host,
  client,
  file: join(dir, 'warehouse.yaml'),
  field: 'environments.local.registry',
});
const plan = (): PlannedChanges => ({
  changes: [
    {
      action: 'change',
      datakit,
      from: { version: '1.0.0', digest: digests['1.0.0']! },
      to: { version: '2.0.0', digest: digests['2.0.0']! },
    },
  ],
});

describe('upgrade impact before a deploy, on the real registry and warehouse', () => {
  it('shows the breaking diff and the notes, and stops with exit 3 while the tables do not fit', async () => {
    const loaded = loadWarehouse(dir);
    const [check] = await checkUpgrades(loaded, 'local', plan(), registry());
    expect(check?.impact).toMatchObject({ from: '1.0.0', version: '2.0.0', breaking: true });
    const targetChanges = check?.impact?.diff.changes.filter((c) => c.role === 'target');
    expect(targetChanges?.map((c) => `${c.class} ${c.kind} ${c.column}`)).toEqual([
      'breaking column-removed rating',
      'additive type-widened title',
    ]);
    expect(check?.impact?.notes.map((n) => n.note.note)).toEqual([
      'rating moved to the film_rating datakit',
    ]);
    expect(check?.impact?.migration).toContain(`-- ${datakit} 2.0.0\nALTER TABLE`);
    expect(check?.live.status).toBe('drift');
    const error = upgradeDriftError(loaded, [check!]);
    expect(error?.exitCode).toBe(ExitCode.Drift);
    expect(error?.message).toContain(`${datakit} 1.0.0 -> 2.0.0, target connection "dwh"`);
    expect(error?.message).toContain('rating');
  });

  it('lets the deploy go on once the migration has been run', async () => {
    const loaded = loadWarehouse(dir);
    const [before] = await checkUpgrades(loaded, 'local', plan(), registry());
    for (const statement of before!.impact!.migration.split('\n')) {
      if (statement.trim() !== '' && !statement.startsWith('--')) await admin.query(statement);
    }
    const [after] = await checkUpgrades(loaded, 'local', plan(), registry());
    expect(after?.live.status).toBe('ok');
    expect(upgradeDriftError(loaded, [after!])).toBeUndefined();
    const skipped = await checkUpgrades(loaded, 'local', plan(), registry(), { live: false });
    expect(skipped[0]?.live.status).toBe('skipped');
  });
});
