import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, defineTable, describeTable } from '@datakit/contracts';
import { RegistryError } from '@datakit/errors';
import { localInfra } from '@datakit/local-infra';
import { pushTestDatakitImage, type TestSpec } from '@datakit/images/testing';
import { createRegistryClient } from '@datakit/registry';
import type { OutdatedResult } from './commands/outdated.ts';
import type { PinResult } from './commands/pin.ts';
import type { VerifyCommandResult } from './commands/verify.ts';
import { repoRoot } from './_paths.ts';

// `datakit pin`, `outdated` and `verify` through the real binary, registry and PostgreSQL, on
// a scratch warehouse in a temporary folder and a datakit repository of this run's own.
const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const suffix = randomBytes(3).toString('hex');
const name = `pincli-${suffix}`;
const schema = `pincli_${suffix}`;
const admin = new pg.Client(infra.postgres.connection('datakit_admin', 'warehouse'));
const pushed = new Set<string>();
let dir: string;

const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', DATAKIT_DEBUG: '' },
  });

const table = defineTable({
  name: 'actor',
  schema,
  columns: { actor_id: col.integer().primaryKey(), first_name: col.varchar(45) },
});
const target = defineTable({ ...table.definition, schema: `${schema}_bronze` });
const spec: TestSpec = {
  contracts: [describeTable(table), describeTable(target)],
  transforms: [{ name: 'actor', source: table.qualifiedName, target: `${schema}_bronze.actor` }],
};

const yaml = `# yaml-language-server: $schema=../../libs/warehouse/schema/warehouse.schema.json
apiVersion: datakit.dev/v1
name: pincli
connections:
  dwh:
    kind: postgres
    host: 127.0.0.1
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
    secretsDir: ${join(root, '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(root, '.infra')}]
  down:
    driver: docker
    registry: 127.0.0.1:1
datakits:
  ${name}:
    version: 1.0.0
    source: dwh
    target: dwh
`;

const read = (file: string) => readFileSync(join(dir, file), 'utf8');

/** A one-paragraph error: the message on stderr, no stack trace. */
function expectParagraph(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

beforeAll(async () => {
  // Named as the warehouse: a warehouse's name must be its folder's.
  dir = join(mkdtempSync(join(tmpdir(), 'pincli-')), 'pincli');
  mkdirSync(dir);
  writeFileSync(join(dir, 'warehouse.yaml'), yaml);
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.query(
    `create table ${schema}.actor (actor_id integer primary key, first_name varchar(45) not null)`,
  );
  for (const tag of ['1.0.0', '1.2.0', '2.0.0']) {
    pushed.add(await pushTestDatakitImage(client, name, tag, spec));
  }
});

afterAll(async () => {
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  for (const digest of pushed) {
    try {
      await client.deleteManifest(name, digest);
    } catch (error) {
      if (!(error instanceof RegistryError && error.status === 404)) throw error;
    }
  }
  rmSync(dirname(dir), { recursive: true, force: true });
});

describe('datakit pin, outdated and verify', () => {
  it('shows what pin would write with --dry-run and writes nothing', () => {
    const run = datakit('pin', dir, `${name}@^1.0.0`, '--dry-run');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `would set ${join(dir, 'warehouse.yaml')}: datakits.${name}.version: ^1.0.0`,
    );
    expect(run.stdout).toContain(`"reference": "${infra.registry.host}/${name}:1.2.0@sha256:`);
    expect(read('warehouse.yaml')).toBe(yaml);
    expect(existsSync(join(dir, 'datakits.lock.json'))).toBe(false);
  });

  it('pins a range: warehouse.yaml gets the range, the lock the newest version it allows', () => {
    const run = datakit('pin', dir, `${name}@^1.0.0`, '--json');
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as PinResult;
    expect(result.written).toEqual([join(dir, 'warehouse.yaml'), join(dir, 'datakits.lock.json')]);
    expect(result.lock.datakits[name]).toMatchObject({ requested: '^1.0.0', version: '1.2.0' });
    expect(read('warehouse.yaml')).toBe(yaml.replace('version: 1.0.0', 'version: ^1.0.0'));
    expect(JSON.parse(read('datakits.lock.json'))).toEqual(result.lock);
    expect(result.lock.$schema).toBe('../../libs/warehouse/schema/lock.schema.json');
  });

  it('lists pinned against newest, as a table and as JSON', () => {
    const text = datakit('outdated', dir);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^WAREHOUSE\s+DATAKIT\s+REQUESTED\s+LOCKED\s+WANTED\s+LATEST\s+NOTE$/m,
    );
    expect(text.stdout).toMatch(
      new RegExp(
        `^pincli\\s+${name}\\s+\\^1\\.0\\.0\\s+1\\.2\\.0\\s+1\\.2\\.0\\s+2\\.0\\.0\\s+2\\.0\\.0 needs a new range$`,
        'm',
      ),
    );
    const json = datakit('outdated', dir, '--json');
    const result = JSON.parse(json.stdout) as OutdatedResult;
    expect(result.warehouses[0]?.rows[0]).toMatchObject({ locked: '1.2.0', latest: '2.0.0' });
  });

  it('verifies a lock in sync with the registry and the live tables, exit 0', () => {
    const run = datakit('verify', dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`ok    pincli ${name} live-tables: 1 source table(s) compatible`);
  });

  it('exits 3 on drift of a live table, with the JSON result still on stdout', async () => {
    await admin.query(`alter table ${schema}.actor alter column first_name drop not null`);
    try {
      const text = datakit('verify', dir);
      expect(text.status).toBe(3);
      expectParagraph(
        text.stderr,
        new RegExp(
          `^datakit verify: 1 verification failed:\\n  pincli ${name} \\(live-tables\\): source connection "dwh":`,
        ),
      );
      expect(text.stderr).toContain(`! ${schema}.actor.first_name: nullability changed`);
      const json = datakit('verify', dir, '--json');
      expect(json.status).toBe(3);
      expect((JSON.parse(json.stdout) as VerifyCommandResult).ok).toBe(false);
      expect(datakit('verify', dir, '--no-live').status).toBe(0);
    } finally {
      await admin.query(`alter table ${schema}.actor alter column first_name set not null`);
    }
  });

  it('refuses a version that does not exist, listing those that do, exit 2, nothing written', () => {
    const before = read('datakits.lock.json');
    const run = datakit('pin', dir, `${name}@^3.0.0`);
    expect(run.status).toBe(2);
    expectParagraph(
      run.stderr,
      new RegExp(
        `^datakit pin: ${join(dir, 'warehouse.yaml')}: field "datakits\\.${name}\\.version" asks for "\\^3\\.0\\.0", but no version of ${name} in the registry ${infra.registry.host} satisfies it; the versions that exist are 2\\.0\\.0, 1\\.2\\.0, 1\\.0\\.0\\. Nothing was written\\.`,
      ),
    );
    expect(read('datakits.lock.json')).toBe(before);
    expect(read('warehouse.yaml')).toContain('version: ^1.0.0');
  });

  it('gives exit 2 for an unknown warehouse, an unknown datakit and a malformed range', () => {
    const unknownWarehouse = datakit('pin', `no-such-warehouse-${suffix}`, `${name}@1.0.0`);
    expect(unknownWarehouse.status).toBe(2);
    expectParagraph(unknownWarehouse.stderr, /No warehouse named "no-such-warehouse-/);
    const unknownDatakit = datakit('pin', dir, 'nope@1.0.0');
    expect(unknownDatakit.status).toBe(2);
    // A datakit the warehouse does not pin yet is added, its connections inferred; it must
    // exist in the registry first.
    expectParagraph(
      unknownDatakit.stderr,
      /field "datakits\.nope\.version" asks for "1\.0\.0", but no version of nope in the registry .* has no versions of nope\. Nothing was written\./,
    );
    const malformed = datakit('pin', dir, `${name}@one.two`);
    expect(malformed.status).toBe(2);
    expectParagraph(malformed.stderr, /"one\.two" in ".*" is neither a version nor a semver range/);
  });

  it('gives exit 5 when the registry does not answer, naming the field', () => {
    const run = datakit('pin', dir, `${name}@1.0.0`, '--env', 'down');
    expect(run.status).toBe(5);
    expectParagraph(
      run.stderr,
      /Cannot reach registry at http:\/\/127\.0\.0\.1:1 .*field "environments\.down\.registry"/,
    );
  });

  it('reports a tag pushed again over another image and never follows it, exit 2', async () => {
    const locked = (JSON.parse(read('datakits.lock.json')) as PinResult['lock']).datakits[name]!
      .digest;
    pushed.add(await pushTestDatakitImage(client, name, '1.2.0', spec, 'moved'));
    const verify = datakit('verify', dir);
    expect(verify.status).toBe(2);
    expectParagraph(
      verify.stderr,
      /tag 1\.2\.0 of pincli-[0-9a-f]+ now points at another image; the tag is not followed/,
    );
    const outdated = datakit('outdated', dir);
    expect(outdated.stdout).toContain('tag moved to sha256:');
    const pin = datakit('pin', dir, `${name}@^1.0.0`);
    expect(pin.status).toBe(2);
    expect(
      (JSON.parse(read('datakits.lock.json')) as PinResult['lock']).datakits[name]!.digest,
    ).toBe(locked);
    // Told so, the lock is made anew from the registry as it is now.
    expect(datakit('pin', dir).status).toBe(2);
    const relock = datakit('pin', dir, '--relock', '--json');
    expect(relock.status).toBe(0);
    const relocked = JSON.parse(relock.stdout) as PinResult;
    expect(relocked.lock.datakits[name]!.digest).not.toBe(locked);
    expect(datakit('verify', dir, '--no-live').status).toBe(0);
  });
});
