// Two warehouses on one database (issue 11 item 7): each pins the same datakit, one through its
// target connection's `schema`, the other through the pin's `targetSchema`. The desired state
// puts the schema into each job's config, and the datakit's `run` (in process, as the image runs
// it, without Docker) loads into that schema: separate tables, separate bookkeeping.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { desiredState } from '@datakit/deploy';
import { infraPaths, localInfra } from '@datakit/local-infra';
import { onThisMachine } from '@datakit/pins';
import { defineDatakit, runDatakit } from '@datakit/runtime';
import { formatSecretRef } from '@datakit/secrets';
import { lockInputsDigest, loadWarehouse, type Connection, type Lock } from '@datakit/warehouse';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STAMP = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `ts_src_${STAMP}`;
const NORTH = `ts_north_${STAMP}`;
const SOUTH = `ts_south_${STAMP}`;
const TABLE = `item_${STAMP}`;
const DATAKIT = 'shop-bronze';
const loader = localInfra().postgres.connection('warehouse_loader', 'warehouse');
const admin = new pg.Client(loader);
const sql = async (text: string): Promise<pg.QueryResultRow[]> => (await admin.query(text)).rows;

// The datakit's own target schema is "bronze": neither pin may write there.
const source = defineTable({
  name: TABLE,
  schema: SRC,
  columns: { id: col.integer().primaryKey(), name: col.text() },
});
const target = withAudit(
  defineTable({
    name: TABLE,
    schema: 'bronze',
    columns: { id: col.integer().primaryKey(), name: col.text() },
  }),
);
const kit = defineDatakit({
  name: DATAKIT,
  tables: [
    {
      source,
      target,
      transform: defineTransform({ from: source, to: target, map: (row) => row }),
      mode: 'replace' as const,
    },
  ],
});

let root: string;

/** A warehouse folder whose target connection or pin names the schema, and its lock. */
function writeWarehouse(name: string, where: { connectionSchema?: string; pinSchema?: string }) {
  const dir = join(root, name);
  mkdirSync(dir);
  const connection = (schema?: string) =>
    [
      '    kind: postgres',
      `    host: ${loader.host}`,
      `    port: ${loader.port}`,
      '    database: warehouse',
      '    user: warehouse_loader',
      '    password: file:/run/secrets/datakit/warehouse_loader.password',
      ...(schema === undefined ? [] : [`    schema: ${schema}`]),
    ].join('\n');
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    `apiVersion: datakit.dev/v1
name: ${name}
connections:
  src:
${connection()}
  dwh:
${connection(where.connectionSchema)}
environments:
  local:
    driver: docker
    registry: 127.0.0.1:5000
    secretsDir: ${infraPaths().datakitSecretsDir}
    hostRoots: [${infraPaths().stateDir}]
datakits:
  ${DATAKIT}:
    version: 1.0.0
    source: src
    target: dwh
${where.pinSchema === undefined ? '' : `    targetSchema: ${where.pinSchema}\n`}`,
  );
  const digest = `sha256:${'a'.repeat(64)}`;
  const lock: Lock = {
    lockVersion: 1,
    warehouse: name,
    inputsDigest: lockInputsDigest({
      datakits: { [DATAKIT]: { version: '1.0.0' } } as never,
    }),
    datakits: {
      [DATAKIT]: {
        requested: '1.0.0',
        version: '1.0.0',
        reference: `127.0.0.1:5000/${DATAKIT}:1.0.0@${digest}`,
        digest,
        contractHash: `sha256:${'b'.repeat(64)}`,
      },
    },
  };
  writeFileSync(join(dir, 'datakits.lock.json'), JSON.stringify(lock));
  return dir;
}

/** Deploys the warehouse's job as its desired state says, then runs it here: its exit code. */
async function deployAndRun(dir: string): Promise<{ code: number; config: object; err: string }> {
  const loaded = loadWarehouse(dir);
  const job = desiredState(loaded, 'local', 'sidecar-unused').jobs[0]!;
  // The config file the container gets, with its password read from this machine's secretsDir.
  const here = (connection: Connection) => {
    const mapped = onThisMachine(loaded, 'local', connection);
    return {
      ...mapped,
      ...(mapped.password === undefined ? {} : { password: formatSecretRef(mapped.password) }),
    };
  };
  const config = {
    ...job.config,
    source: here(job.config.source),
    target: here(job.config.target),
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const err: string[] = [];
  const code = await runDatakit(
    kit,
    ['run', '--config', file],
    {},
    {
      io: {
        stdout: { write: () => true },
        stderr: { write: (text: string) => err.push(text) },
        setExitCode: () => undefined,
      },
    },
  );
  return { code, config: job.config, err: err.join('') };
}

const rowsOf = async (schema: string) =>
  (await sql(`select id, name from ${schema}.${TABLE} order by id`)).map((r) => [
    r['id'],
    r['name'],
  ]);

describe('two warehouses on one database, each with its target schema (real PostgreSQL)', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'datakit-target-schema-'));
    await admin.connect();
    await sql(`create schema ${SRC}`);
    await sql(`create table ${SRC}.${TABLE} (id integer primary key, name text not null)`);
  });

  afterAll(async () => {
    for (const schema of [SRC, NORTH, SOUTH]) await sql(`drop schema if exists ${schema} cascade`);
    await sql(`drop table if exists bronze.${TABLE}`);
    await sql(
      `delete from _datakit.runs where target_table in ('${NORTH}.${TABLE}', '${SOUTH}.${TABLE}')`,
    );
    await sql(
      `delete from _datakit.cursors where target_table in ('${NORTH}.${TABLE}', '${SOUTH}.${TABLE}')`,
    );
    await admin.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('load the same datakit into separate tables, each run booked under its own schema', async () => {
    const north = writeWarehouse('north', { connectionSchema: NORTH });
    const south = writeWarehouse('south', { connectionSchema: NORTH, pinSchema: SOUTH });

    await sql(`insert into ${SRC}.${TABLE} values (1, 'one'), (2, 'two')`);
    const first = await deployAndRun(north);
    expect(first.code, first.err).toBe(0);
    expect(first.config).toMatchObject({ targetSchema: NORTH });

    await sql(`insert into ${SRC}.${TABLE} values (3, 'three')`);
    const second = await deployAndRun(south);
    expect(second.code, second.err).toBe(0);
    // The pin's targetSchema wins over its connection's schema.
    expect(second.config).toMatchObject({ targetSchema: SOUTH });

    expect(await rowsOf(NORTH)).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(await rowsOf(SOUTH)).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    // Neither wrote the contract's own schema.
    expect(await sql(`select to_regclass('bronze.${TABLE}') as t`)).toEqual([{ t: null }]);
    const runs = await sql(
      `select target_table, status from _datakit.runs
        where target_table in ('${NORTH}.${TABLE}', '${SOUTH}.${TABLE}') order by target_table`,
    );
    expect(runs.map((r) => [r['target_table'], r['status']])).toEqual([
      [`${NORTH}.${TABLE}`, 'succeeded'],
      [`${SOUTH}.${TABLE}`, 'succeeded'],
    ]);
  });
});
