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
// run now; every source row must arrive in the warehouse database, value for value. The image is pushed under a
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

async function query<T extends pg.QueryResultRow>(
  database: string,
  user: Role,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(infra.postgres.connection(user, database));
  await client.connect();
  try {
    // Both sides print timestamps alike.
    await client.query(`set timezone = 'UTC'`);
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A bronze table's data columns (not the audit columns), each with the SQL that reads it on
 * either side: a source column is read as the bronze column's type (a
 * char(20) becomes text there, as PostgreSQL casts it), an enum or domain as text on both.
 */
async function shapeOf(table: string): Promise<{ target: string[]; source: string[] }> {
  const columns = await query<{ name: string; type: string; own: boolean }>(
    'warehouse',
    'warehouse_reader',
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            (t.typtype in ('e', 'd') or n.nspname <> 'pg_catalog') as own
       from pg_attribute a join pg_type t on t.oid = a.atttypid
       join pg_namespace n on n.oid = t.typnamespace
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
        and a.attname not like '\\_%'
      order by a.attnum`,
    [`bronze.${table}`],
  );
  const quoted = (name: string) => `"${name}"`;
  return {
    target: columns.map((c) => (c.own ? `${quoted(c.name)}::text` : quoted(c.name))),
    source: columns.map((c) => `${quoted(c.name)}::${c.own ? 'text' : c.type}`),
  };
}

/** md5 over the rows' text in order (a multiset: repeats count), and the row count. */
async function fingerprint(
  database: string,
  user: Role,
  table: string,
  columns: string[],
): Promise<string> {
  const [row] = await query<{ n: string; md5: string | null }>(
    database,
    user,
    `select count(*) as n, md5(string_agg(r, E'\\n' order by r collate "C")) as md5
       from (select row(${columns.join(', ')})::text as r from ${table}) t`,
  );
  return `${row?.n} rows, md5 ${row?.md5}`;
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
      .replaceAll('../../.infra', join(root, '.infra')),
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
    // Every bronze table holds exactly its source's rows: a fingerprint over all data columns
    // (the audit columns apart), sorted, each value as PostgreSQL prints it.
    const tables = await query<{ table_name: string }>(
      'warehouse',
      'warehouse_reader',
      `select table_name from information_schema.tables where table_schema = 'bronze' order by 1`,
    );
    const loaded = tables.map((t) => t.table_name);
    expect(loaded).toEqual(expect.arrayContaining(['rental', 'payment', 'customer', 'film']));
    for (const table of loaded) {
      const { target, source } = await shapeOf(table);
      expect([
        table,
        await fingerprint('warehouse', 'warehouse_reader', `bronze.${table}`, target),
      ]).toEqual([table, await fingerprint('pagila', 'pagila_reader', `public.${table}`, source)]);
    }
  });
});
