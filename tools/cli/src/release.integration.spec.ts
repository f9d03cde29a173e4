import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec, TableSpec } from '@datakit/contracts';
import { RegistryError } from '@datakit/errors';
import { formatBreakingChanges, LABELS, readBreakingChanges } from '@datakit/images';
import type { BreakingNotes } from '@datakit/images';
import { pushTestDatakitImage } from '@datakit/images/testing';
import { localInfra } from '@datakit/local-infra';
import { findOutdated, parsePinRequest, planPin, writePin, type PinRegistry } from '@datakit/pins';
import { loadWarehouse } from '@datakit/warehouse';
import { createRegistryClient } from '@datakit/registry';
import type { DiffResult } from './commands/diff.ts';
import type { ReleaseCheckResult } from './commands/release-check.ts';
import { repoRoot } from './_paths.ts';

// Issue 14's scenario in a temporary git repository with this repository's node_modules, nx
// and the datakit version actions, and the real registry: release 1.0.0; an additive change is
// released as a minor; a removed column is refused as a minor (nx release and release-check)
// and accepted as 2.0.0. The datakit prints its spec from a JSON file (no runtime needed), and
// each release's image is a small labelled image in a repository of this run's own.
const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const datakit = `difftest-${randomBytes(3).toString('hex')}`;
const pushed: string[] = [];
let repo: string;

const column = (name: string, sqlType: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  sourceName: name,
  kind: sqlType.startsWith('varchar') ? 'varchar' : sqlType === 'text' ? 'text' : 'integer',
  sqlType,
  nullable: false,
  primaryKey: false,
  cursor: false,
  ...extra,
});
const customer = (...columns: ColumnSpec[]): TableSpec => ({
  name: 'customer',
  schema: 'bronze',
  primaryKey: ['id'],
  cursor: null,
  audited: false,
  columns: [column('id', 'integer', { primaryKey: true }), ...columns],
});

const env = {
  ...process.env,
  // Node 24 (this one) first, for nx and the CLI.
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
};
function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: repo, env, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}
const git = (...args: string[]) => run('git', args);
const nx = (...args: string[]) => run(join(root, 'node_modules', '.bin', 'nx'), args);
const cli = (...args: string[]) =>
  run(process.execPath, [join(root, 'tools/cli/bin/run.js'), ...args, '--root', repo]);
/** The CLI on a warehouse folder (commands that take a warehouse have no --root). */
const onWarehouse = (...args: string[]) =>
  run(process.execPath, [join(root, 'tools/cli/bin/run.js'), ...args]);
const tags = () => git('tag', '--list').stdout.split('\n').filter(Boolean).sort();
const version = () =>
  (
    JSON.parse(readFileSync(join(repo, 'datakits/shop/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

function writeContracts(table: TableSpec): void {
  writeFileSync(join(repo, 'datakits/shop/src/contracts.json'), `${JSON.stringify([table])}\n`);
}
function commit(message: string): void {
  expect(git('add', '--all').status).toBe(0);
  expect(git('commit', '--quiet', '-m', message).status).toBe(0);
}
/** The release's image, labelled with the spec its tag's contracts give. */
async function pushRelease(tag: string, table: TableSpec, notes?: BreakingNotes): Promise<void> {
  pushed.push(
    await pushTestDatakitImage(
      client,
      datakit,
      tag,
      { contracts: [table], transforms: [] },
      '',
      notes === undefined ? {} : { [LABELS.breakingChanges]: formatBreakingChanges(notes) },
    ),
  );
}

const v1 = customer(column('name', 'varchar(20)', { maxLength: 20 }));
const v11 = customer(
  column('name', 'varchar(40)', { maxLength: 40 }),
  column('email', 'text', { nullable: true }),
);
const v2 = customer(column('name', 'varchar(40)', { maxLength: 40 }));

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'datakit-release-'));
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'));
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n.nx\n.infra\ndist\n');
  writeFileSync(
    join(repo, 'package.json'),
    `${JSON.stringify({ name: 'release-scenario', private: true, type: 'module', workspaces: ['datakits/*'] }, null, 2)}\n`,
  );
  // The repository's own release configuration, with the version actions from this checkout.
  const { release } = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as {
    release: {
      version: Record<string, unknown>;
      changelog: { projectChangelogs: Record<string, unknown> };
    };
  };
  release.version.versionActions = join(root, release.version.versionActions as string);
  const changelogs = release.changelog.projectChangelogs;
  changelogs.renderer = join(root, changelogs.renderer as string);
  writeFileSync(join(repo, 'nx.json'), `${JSON.stringify({ release }, null, 2)}\n`);
  mkdirSync(join(repo, 'datakits/shop/src'), { recursive: true });
  writeFileSync(
    join(repo, 'datakits/shop/package.json'),
    `${JSON.stringify(
      {
        name: '@scenario/shop',
        version: '1.0.0',
        private: true,
        type: 'module',
        nx: { tags: ['type:datakit'] },
        datakit: { name: datakit, base: 'datakit-base:1.0.0' },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(repo, 'datakits/shop/src/main.ts'),
    [
      "import contracts from './contracts.json' with { type: 'json' };",
      "if (process.argv[2] === 'spec') {",
      '  const { DATAKIT_NAME: name, DATAKIT_VERSION: version } = process.env;',
      "  console.log(JSON.stringify({ type: 'spec', name, version, contracts, transforms: [] }));",
      '}',
      '',
    ].join('\n'),
  );
  writeContracts(v1);
  expect(git('init', '--quiet', '--initial-branch=main').status).toBe(0);
  git('config', 'user.email', 'scenario@example.com');
  git('config', 'user.name', 'Scenario');
  commit('feat: shop datakit');
});

afterAll(async () => {
  for (const digest of new Set(pushed)) {
    try {
      await client.deleteManifest(datakit, digest);
    } catch (error) {
      if (!(error instanceof RegistryError && error.status === 405)) throw error;
    }
  }
  rmSync(repo, { recursive: true, force: true });
});

describe('releases with nx release and the contract diff', () => {
  it('releases 1.0.0 with a changelog and the tag <project>@1.0.0', async () => {
    const release = nx('release', '1.0.0', '--first-release', '--skip-publish');
    expect(release.status, release.out).toBe(0);
    expect(tags()).toEqual(['@scenario/shop@1.0.0']);
    expect(readFileSync(join(repo, 'datakits/shop/CHANGELOG.md'), 'utf8')).toContain('1.0.0');
    await pushRelease('1.0.0', v1);
  });

  it('releases an additive change as a minor, and diff shows it from tags and registry', async () => {
    writeContracts(v11);
    commit('feat: customer email');
    const check = cli('release-check', '--json');
    expect(check.status, check.out).toBe(0);
    const dry = nx('release', '--dry-run', '--skip-publish');
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toContain('1.1.0');
    const release = nx('release', '--skip-publish');
    expect(release.status, release.out).toBe(0);
    expect(tags()).toEqual(['@scenario/shop@1.0.0', '@scenario/shop@1.1.0']);
    const changelog = readFileSync(join(repo, 'datakits/shop/CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('customer email');
    // The contract changes since 1.0.0, from the datakit changelog renderer.
    expect(changelog).toContain('### Contract changes');
    expect(changelog).toContain('column email text is added (nullable)');
    await pushRelease('1.1.0', v11);

    for (const versions of [
      ['1.0.0', '1.1.0'],
      ['registry:1.0.0', 'registry:1.1.0'],
    ]) {
      const diff = cli('diff', 'shop', ...versions, '--json', '--registry', infra.registry.host);
      expect(diff.status, diff.out).toBe(0);
      const result = JSON.parse(diff.stdout) as DiffResult;
      expect(result.diff.requiredBump).toBe('minor');
      expect(result.diff.changes.map((c) => `${c.class} ${c.kind} ${c.column}`)).toEqual([
        'additive column-added email',
        'additive type-widened name',
      ]);
    }
  });

  it('refuses a removed column as a minor and accepts it as 2.0.0', async () => {
    writeContracts(v2);
    commit('feat: customer without email');

    const text = cli('diff', 'shop');
    expect(text.status, text.out).toBe(0);
    expect(text.stdout).toContain('! breaking  column email text is removed');

    const check = cli('release-check', '--json');
    expect(check.status).toBe(1);
    const checked = JSON.parse(check.stdout) as ReleaseCheckResult;
    expect(checked.ok).toBe(false);
    expect(checked.datakits[0]?.message).toContain('no commit since then is marked breaking');

    for (const refused of [
      nx('release', '--dry-run', '--skip-publish'),
      nx('release', 'minor', '--skip-publish'),
    ]) {
      expect(refused.status).not.toBe(0);
      expect(refused.out).toContain('need a major version (2.0.0)');
    }
    expect(tags()).toEqual(['@scenario/shop@1.0.0', '@scenario/shop@1.1.0']);
    expect(version()).toBe('1.1.0');

    const release = nx('release', 'major', '--skip-publish');
    expect(release.status, release.out).toBe(0);
    expect(tags()).toContain('@scenario/shop@2.0.0');
    expect(version()).toBe('2.0.0');
    expect(cli('release-check').status).toBe(0);
    // The breaking release wrote its notes, committed with it; its image carries them.
    expect(git('status', '--porcelain').stdout).toBe('');
    const notes = readBreakingChanges(join(repo, 'datakits/shop'));
    expect(Object.keys(notes)).toEqual(['2.0.0']);
    expect(notes['2.0.0']).toMatchObject({
      since: '1.1.0',
      changes: ['bronze.customer.email: column email text is removed'],
    });
    expect(notes['2.0.0']?.migration).toContain(
      'ALTER TABLE "bronze"."customer" ALTER COLUMN "email" DROP NOT NULL;',
    );
    await pushRelease('2.0.0', v2, notes);

    const diff = cli(
      'diff',
      'shop',
      'registry:1.1.0',
      'registry:2.0.0',
      '--json',
      '--registry',
      infra.registry.host,
    );
    const result = JSON.parse(diff.stdout) as DiffResult;
    expect(result.diff.breaking).toBe(true);
    expect(result.diff.changes.map((c) => c.kind)).toEqual(['column-removed']);
  });

  it('passes a removed column once a commit is marked breaking, and nx release then bumps the major', () => {
    writeContracts(customer());
    commit('feat!: customer without name');
    const check = cli('release-check');
    expect(check.status, check.out).toBe(0);
    expect(check.out).toContain('marked breaking by "feat!: customer without name"');
    const dry = nx('release', '--dry-run', '--skip-publish');
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toContain('3.0.0');
  });

  it('shows a warehouse pinned ^1.0.0 what the newer versions change, and which breaks', async () => {
    const dir = join(repo, 'warehouses', 'scenario');
    mkdirSync(dir, { recursive: true });
    const writeWarehouse = (version: string) =>
      writeFileSync(
        join(dir, 'warehouse.yaml'),
        `apiVersion: datakit.dev/v1
name: scenario
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
datakits:
  ${datakit}:
    version: ${version}
    source: dwh
    target: dwh
`,
      );
    const registry: PinRegistry = {
      host: infra.registry.host,
      client,
      file: join(dir, 'warehouse.yaml'),
      field: 'environments.local.registry',
    };
    writeWarehouse('1.0.0');
    writePin(
      await planPin(
        loadWarehouse(dir),
        parsePinRequest(`${datakit}@1.0.0`, registry.file),
        registry,
      ),
    );
    writeWarehouse('^1.0.0');
    const [fromOne] = await findOutdated(loadWarehouse(dir), registry);
    expect(fromOne).toMatchObject({ locked: '1.0.0', wanted: '1.1.0', latest: '2.0.0' });
    expect(fromOne?.upgrades?.[0]?.version).toBe('1.1.0');
    expect(fromOne?.upgrades?.[0]?.breaking).toBe(false);

    writePin(
      await planPin(
        loadWarehouse(dir),
        parsePinRequest(`${datakit}@^1.0.0`, registry.file),
        registry,
      ),
    );
    const [row] = await findOutdated(loadWarehouse(dir), registry);
    expect(row).toMatchObject({ locked: '1.1.0', wanted: '1.1.0', latest: '2.0.0' });
    expect(row?.upgrades?.map((u) => [u.version, u.breaking])).toEqual([['2.0.0', true]]);
    expect(row?.upgrades?.[0]?.diff.changes.map((c) => c.kind)).toEqual(['column-removed']);

    const outdated = onWarehouse('outdated', dir);
    expect(outdated.status, outdated.out).toBe(0);
    expect(outdated.stdout).toContain('2.0.0 needs a new range, breaking');
    expect(outdated.stdout).toContain(`scenario ${datakit} 1.1.0 -> 2.0.0 (BREAKING)`);

    // Pinning the breaking version is refused without the flag, the migration printed.
    const refused = onWarehouse('pin', dir, `${datakit}@^2.0.0`);
    expect(refused.status, refused.out).toBe(2);
    expect(refused.stdout).toContain(`${datakit} 1.1.0 -> 2.0.0 (BREAKING)`);
    expect(refused.stdout).toContain('migration (run on the warehouse before deploying):');
    expect(refused.stdout).toContain(
      'ALTER TABLE "bronze"."customer" ALTER COLUMN "email" DROP NOT NULL;',
    );
    expect(refused.out).toContain('--allow-breaking');
    expect(readFileSync(join(dir, 'warehouse.yaml'), 'utf8')).toContain('version: ^1.0.0');

    const allowed = onWarehouse('pin', dir, `${datakit}@^2.0.0`, '--allow-breaking', '--json');
    expect(allowed.status, allowed.out).toBe(0);
    const pinned = JSON.parse(allowed.stdout) as {
      lock: { datakits: Record<string, { version: string }> };
    };
    expect(pinned.lock.datakits[datakit]?.version).toBe('2.0.0');
  });
});
