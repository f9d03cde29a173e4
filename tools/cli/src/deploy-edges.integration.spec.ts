import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_LABELS, historyFile } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { lockInputsDigest, parseWarehouseYaml } from '@datakit/warehouse';
import { repoRoot } from './_paths.ts';
import { pushScratchDatakit } from './_scratch-datakit.ts';

// The edges of the Docker deploy cycle through the real `datakit` binary and engine: a job that
// fails with an unexpected error (exit code 1), a pin removed from one warehouse (its container
// goes, another warehouse's stays), and a rollback with nothing to roll back to. The warehouses
// log in with passwords only (no kerberos block), so no sidecar is needed.
const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const suffix = randomBytes(3).toString('hex');
/** A datakit that succeeds (hello) and one whose run throws an error nobody expected. */
const ok = `edge-ok-${suffix}`;
const broken = `edge-broken-${suffix}`;
const first = `edges-${suffix}`;
const second = `edges-other-${suffix}`;
const images: Record<string, { digest: string; contractHash: string }> = {};
let scratch: string;

const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });

/** hello's verbs, but `run` fails the way a bug does: an uncaught TypeError. */
const BROKEN_MAIN = `const verb = process.argv[2] ?? 'run';
if (verb === 'spec') {
  process.stdout.write(JSON.stringify({ type: 'spec', name: '${broken}', version: '1.0.0', contracts: [], config: {} }) + '\\n');
} else {
  const rows = undefined as unknown as { length: number };
  process.stdout.write(JSON.stringify({ type: 'log', level: 'info', message: 'loading' }) + '\\n');
  console.log(rows.length);
}
`;

/** A warehouse folder (named as the warehouse) pinning `datakits` at 1.0.0, with its lock. */
function writeWarehouse(warehouse: string, datakits: string[], network = 'host'): string {
  const dir = join(scratch, warehouse);
  mkdirSync(dir, { recursive: true });
  const yaml = `apiVersion: datakit.dev/v1
name: ${warehouse}
connections:
  pagila:
    kind: postgres
    host: 127.0.0.1
    database: pagila
    user: pagila_reader
    password: file:/run/secrets/datakit/pagila_reader.password
environments:
  local:
    driver: docker
    registry: ${infra.registry.host}
    network: ${network}
    secretsDir: ${join(root, '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(root, '.infra')}]
datakits:
${datakits.map((d) => `  ${d}:\n    version: 1.0.0\n    source: pagila\n    target: pagila\n`).join('')}`;
  writeFileSync(join(dir, 'warehouse.yaml'), yaml);
  const lock = {
    lockVersion: 1,
    warehouse,
    inputsDigest: lockInputsDigest(parseWarehouseYaml(yaml, 'warehouse.yaml')),
    datakits: Object.fromEntries(
      datakits.map((d) => [
        d,
        {
          requested: '1.0.0',
          version: '1.0.0',
          reference: `${infra.registry.host}/${d}:1.0.0@${images[d]!.digest}`,
          digest: images[d]!.digest,
          contractHash: images[d]!.contractHash,
        },
      ]),
    ),
  };
  writeFileSync(join(dir, 'datakits.lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

/** The job containers of a warehouse: datakit name to container id. */
async function jobsOf(warehouse: string): Promise<Record<string, string>> {
  const containers = await engine.listContainers({
    [DEPLOY_LABELS.warehouse]: warehouse,
    [DEPLOY_LABELS.role]: 'datakit',
  });
  return Object.fromEntries(containers.map((c) => [c.labels[DEPLOY_LABELS.datakit], c.id]));
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-edges-'));
  for (const name of [ok, broken]) {
    images[name] = await pushScratchDatakit({
      dir: join(scratch, 'projects', name),
      name,
      version: '1.0.0',
      registry: { client, host: infra.registry.host },
      ...(name === broken ? { main: () => BROKEN_MAIN } : {}),
    });
  }
}, 300_000);

afterAll(async () => {
  for (const warehouse of [first, second]) {
    for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouse }))
      await engine.removeContainer(c.id);
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('rollback with no previous deploy', () => {
  it('changes nothing and exits with code 2 when nothing was deployed yet', async () => {
    const dir = writeWarehouse(first, [ok, broken]);
    const result = datakit('rollback', dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('holds 0 deployed revisions: there is nothing to roll back to');
    expect(result.stderr).toContain('deploy first with `datakit deploy`');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await jobsOf(first)).toEqual({});
    expect(existsSync(historyFile(dir, 'local'))).toBe(false);
  });

  it('changes nothing and exits with code 2 when only the current lock was deployed', async () => {
    const dir = join(scratch, first);
    const deploy = datakit('deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);
    const before = await jobsOf(first);
    expect(Object.keys(before).sort()).toEqual([broken, ok].sort());
    const result = datakit('rollback', dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('holds 1 deployed revision: there is nothing to roll back to');
    expect(await jobsOf(first)).toEqual(before);
  });
});

describe('a job that fails with an unexpected error', () => {
  it('ends `datakit run` with exit code 1, its error on stderr, and shows as failed', () => {
    const dir = join(scratch, first);
    const run = datakit('run', dir, broken);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('"message":"loading"');
    expect(run.stderr).toContain(
      "TypeError: Cannot read properties of undefined (reading 'length')",
    );
    const status = JSON.parse(datakit('status', dir, '--json').stdout) as {
      jobs: { datakit: string; state: string; lastRun?: { exitCode: number } }[];
    };
    expect(status.jobs.find((j) => j.datakit === broken)).toMatchObject({
      state: 'failed',
      lastRun: { exitCode: 1 },
    });
  });
});

describe('a pin removed from warehouse.yaml', () => {
  it("removes that datakit's container only, and another warehouse's containers survive", async () => {
    const otherDir = writeWarehouse(second, [ok, broken]);
    expect(datakit('deploy', otherDir).status).toBe(0);
    const other = await jobsOf(second);
    const before = await jobsOf(first);

    const dir = writeWarehouse(first, [ok]);
    const plan = JSON.parse(datakit('plan', dir, '--json').stdout) as {
      changes: { action: string; datakit: string }[];
    };
    expect(plan.changes.find((c) => c.datakit === broken)).toMatchObject({ action: 'remove' });
    const deploy = datakit('deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);

    // The kept job is still there (recreated: its lock-revision label moved with the lock).
    expect(Object.keys(before).sort()).toEqual([broken, ok].sort());
    expect(Object.keys(await jobsOf(first))).toEqual([ok]);
    expect(await jobsOf(second)).toEqual(other);
    expect(datakit('run', otherDir, broken).status).toBe(1);
  });
});

describe('a deploy that cannot be made', () => {
  it('leaves the previous deployment as it was: containers, config files, no staged leftovers', async () => {
    const dir = writeWarehouse(first, [ok, broken]);
    expect(datakit('deploy', dir).status).toBe(0);
    const before = await jobsOf(first);
    const state = join(dir, '.datakit', 'local');
    const files = readdirSync(state).sort();

    // Another network would change every container; one the engine does not have is refused
    // before anything is created (the engine itself would create them and fail at start).
    writeWarehouse(first, [ok, broken], `datakit-no-such-network-${suffix}`);
    const failed = datakit('deploy', dir);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain(
      `field "environments.local.network" is "datakit-no-such-network-${suffix}", a network this Docker engine does not have`,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /);

    expect(await jobsOf(first)).toEqual(before);
    const all = await engine.listContainers({ [DEPLOY_LABELS.warehouse]: first });
    expect(all.filter((c) => c.name.endsWith('.next'))).toEqual([]);
    expect(readdirSync(state).sort()).toEqual(files);
    expect(datakit('run', dir, ok).status).toBe(0);

    // Put back, the same lock deploys as nothing to change.
    writeWarehouse(first, [ok, broken]);
    const again = datakit('deploy', dir);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('no changes');
  });
});
