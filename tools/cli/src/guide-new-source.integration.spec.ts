import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { infraPaths, localInfra } from '@datakit/local-infra';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { repoRoot } from './_paths.ts';

// docs/guide-new-source.md, run as written: its commands (between the guide markers) in a
// fresh clone of this repository's HEAD, with `shop` renamed to a name of this run's own. The
// clone gets this checkout's node_modules as hard links (`cp -al`: its files' real paths are in
// the clone, as after `npm ci`, so a bundled image such as the Kerberos sidecar's is the same
// byte for byte; symbolic links to this checkout made esbuild name `../../../work/…` paths in
// the bundle, and the sidecar in the registry was then refused as another image of 1.0.1;
// @datakit's workspace links are relative, so they point into the clone) and shares its .infra
// (the running infrastructure's secrets), so `git clone`, `npm ci` and `infra:up` are
// preconditions, not run; `new` commands get --skip-install (npm install would write into the
// hard-linked files).
const root = repoRoot();
const engine = new DockerEngine();
const name = `g${randomBytes(3).toString('hex')}`;
const SKIPPED = /^(git clone|npm ci|npm run infra:up)\b/;
let clone: string;

const env = {
  ...process.env,
  CI: 'true',
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  GIT_AUTHOR_NAME: 'guide',
  GIT_AUTHOR_EMAIL: 'guide@example.invalid',
  GIT_COMMITTER_NAME: 'guide',
  GIT_COMMITTER_EMAIL: 'guide@example.invalid',
};

/** The guide's commands, in order, comments and the preconditions left out. */
function guideCommands(guide: string): string[] {
  const block = /<!-- guide:start -->\s*```bash\n([\s\S]*?)```\s*<!-- guide:end -->/.exec(guide);
  if (!block?.[1]) throw new Error('docs/guide-new-source.md has no guide block');
  return block[1]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !SKIPPED.test(line))
    .map((line) => line.replace(/(?<![\w.-])shop(?![\w.])/g, name))
    .map((line) => (/^npm run datakit -- new /.test(line) ? `${line} --skip-install` : line));
}

async function query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  const client = new pg.Client(localInfra().postgres.connection('datakit_admin', database));
  await client.connect();
  try {
    await client.query(`set timezone = 'UTC'`);
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Row count and md5 of the sorted row texts of the given columns. */
async function fingerprint(database: string, table: string, columns: string[]): Promise<string> {
  const list = columns.map((c) => `"${c}"`).join(', ');
  const [row] = await query<{ n: string; md5: string }>(
    database,
    `select count(*) as n, md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')) as md5
     from (select ${list} from ${table}) r`,
  );
  return `${row?.n} ${row?.md5}`;
}

async function columnsOf(database: string, schema: string, table: string): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    database,
    `select column_name from information_schema.columns
     where table_schema = '${schema}' and table_name = '${table}' order by ordinal_position`,
  );
  return rows.map((r) => r.column_name).filter((c) => !c.startsWith('_'));
}

beforeAll(() => {
  clone = join(mkdtempSync(join(tmpdir(), 'datakit-guide-')), 'datakit');
  const cloned = spawnSync('git', ['clone', '--quiet', '--local', root, clone], { env });
  expect(cloned.status, String(cloned.stderr)).toBe(0);
  const linked = spawnSync('cp', ['-al', join(root, 'node_modules'), join(clone, 'node_modules')]);
  expect(linked.status, String(linked.stderr)).toBe(0);
  symlinkSync(infraPaths().stateDir, join(clone, '.infra'));
});

afterAll(async () => {
  for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: name }))
    await engine.removeContainer(c.id);
  await engine.removeVolume(`datakit-${name}-local-krb5`).catch(() => undefined);
  await query('postgres', `drop database if exists ${name} with (force)`);
  await query('postgres', `drop role if exists ${name}_reader`);
  await query('warehouse', `drop schema if exists ${name} cascade`);
  const paths = infraPaths();
  for (const file of [
    join(paths.stateDir, 'sources', `${name}.json`),
    join(paths.stateDir, 'sources', `${name}.sql`),
    join(paths.postgresSecretsDir, `${name}_reader.password`),
    join(paths.datakitSecretsDir, `${name}_reader.password`),
  ])
    rmSync(file, { force: true });
  if (clone) rmSync(join(clone, '..'), { recursive: true, force: true });
}, 120_000);

describe('the guide "bring a new source in"', () => {
  let lastOutput = '';

  it('runs every command of the guide in a fresh clone, each exiting 0', () => {
    const commands = guideCommands(readFileSync(join(clone, 'docs/guide-new-source.md'), 'utf8'));
    expect(commands[0]).toMatch(/^npm run infra:add-source -- g[0-9a-f]{6} --sql /);
    const started = Date.now();
    const times: string[] = [];
    for (const command of commands) {
      const commandStarted = Date.now();
      const result = spawnSync('bash', ['-c', command], {
        cwd: clone,
        env,
        encoding: 'utf8',
        timeout: 600_000,
      });
      expect([command, result.status], `${result.stdout}\n${result.stderr}`).toEqual([command, 0]);
      lastOutput = result.stdout;
      times.push(`  ${((Date.now() - commandStarted) / 1000).toFixed(1)} s  ${command}`);
    }
    console.log(
      `guide: ${commands.length} commands in ${(Date.now() - started) / 1000} s\n${times.join('\n')}`,
    );
  }, 1_800_000);

  it('loads every table: the run succeeds with no rejected row', () => {
    const summary = lastOutput
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event.type === 'summary');
    expect(summary).toMatchObject({ status: 'succeeded', tables: 4, rejected: 0 });
  });

  it('has exactly the source rows in the warehouse: counts and fingerprints per table', async () => {
    const pairs: [string, string, string][] = [
      ['customer', 'customer', 'customer'],
      ['"Order"', 'Order', 'order'],
      ['order_line', 'order_line', 'order_line'],
      ['event', 'event', 'event'],
    ];
    for (const [quoted, live, bronze] of pairs) {
      const source = await fingerprint(
        name,
        `public.${quoted}`,
        await columnsOf(name, 'public', live),
      );
      const target = await fingerprint(
        'warehouse',
        `${name}."${bronze}"`,
        await columnsOf('warehouse', name, bronze),
      );
      expect([bronze, target]).toEqual([bronze, source]);
      expect(source).not.toMatch(/^0 /);
    }
  });
});
