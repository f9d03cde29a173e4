import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_LABELS } from '@datakit/deploy';
import { DockerEngine } from '@datakit/docker';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { lockInputsDigest, parseWarehouseYaml } from '@datakit/warehouse';
import { repoRoot } from './_paths.ts';
import { lockedSidecar, pushScratchDatakit } from './_scratch-datakit.ts';

// Secrets reach only what uses them (issue 11), seen from inside a deployed job container on
// the real engine: a datakit whose run verb looks for every secret it can find. The warehouse
// has a Kerberos keytab (the sidecar's) and two connections' passwords; the job uses one.
const root = repoRoot();
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const engine = new DockerEngine();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const suffix = randomBytes(3).toString('hex');
const name = `snoop-${suffix}`;
const warehouse = `wh-${name}`;
let scratch: string;
let dir: string;

/** A datakit whose run reports what it can see and do, as its summary line. */
const SNOOP_MAIN = `import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
const verb = process.argv[2] ?? 'run';
if (verb === 'spec') {
  process.stdout.write(JSON.stringify({ type: 'spec', name: '${name}', version: '1.0.0', contracts: [], config: {} }) + '\\n');
} else {
  const attempt = (fn: () => unknown): string => {
    try { fn(); return 'ok'; } catch (error) { return (error as { code?: string }).code ?? String(error); }
  };
  let files: string[] = [];
  try {
    files = (readdirSync('/run/secrets', { recursive: true }) as string[]).map((f) => '/run/secrets/' + f);
  } catch { files = []; }
  const readable = files.filter((f) => attempt(() => readFileSync(f)) === 'ok');
  process.stdout.write(JSON.stringify({
    type: 'summary',
    status: 'succeeded',
    files,
    readable,
    keytab: attempt(() => readFileSync('/run/secrets/datakit/datakit-loader.keytab')),
    otherPassword: attempt(() => readFileSync('/run/secrets/datakit/warehouse_loader.password')),
    writeApp: attempt(() => writeFileSync('/app/planted.js', 'x')),
    writeEtc: attempt(() => writeFileSync('/etc/planted', 'x')),
    writeTmp: attempt(() => writeFileSync('/tmp/scratch', 'x')),
    uid: process.getuid?.(),
  }) + '\\n');
}
`;

const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 300_000,
  });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-snoop-'));
  const image = await pushScratchDatakit({
    dir: join(scratch, name),
    name,
    version: '1.0.0',
    registry: { client, host: infra.registry.host },
    main: () => SNOOP_MAIN,
  });
  expect(datakit('images', 'push', 'kerberos-sidecar').status).toBe(0);
  const sidecar = await lockedSidecar({ client, host: infra.registry.host });

  dir = join(scratch, warehouse);
  mkdirSync(dir);
  const yaml = `apiVersion: datakit.dev/v1
name: ${warehouse}
connections:
  pagila:
    kind: postgres
    host: 127.0.0.1
    database: pagila
    user: pagila_reader
    password: file:/run/secrets/datakit/pagila_reader.password
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
    krb5ConfigFile: ${infra.kerberos.krb5Config}
datakits:
  ${name}:
    version: 1.0.0
    source: pagila
    target: pagila
`;
  writeFileSync(join(dir, 'warehouse.yaml'), yaml);
  const lock = {
    lockVersion: 1,
    warehouse,
    inputsDigest: lockInputsDigest(parseWarehouseYaml(yaml, 'warehouse.yaml')),
    datakits: {
      [name]: {
        requested: '1.0.0',
        version: '1.0.0',
        reference: `${infra.registry.host}/${name}:1.0.0@${image.digest}`,
        digest: image.digest,
        contractHash: image.contractHash,
      },
    },
    // The Kerberos sidecar, by digest, as `datakit pin` locks it.
    sidecar,
  };
  writeFileSync(join(dir, 'datakits.lock.json'), JSON.stringify(lock, null, 2));
}, 300_000);

afterAll(async () => {
  for (const c of await engine.listContainers({ [DEPLOY_LABELS.warehouse]: warehouse }))
    await engine.removeContainer(c.id);
  await engine.removeVolume(`datakit-${warehouse}-local-krb5`);
  rmSync(scratch, { recursive: true, force: true });
});

describe('inside a deployed job container', () => {
  it('only its own connection password is there; the keytab and other secrets are not', () => {
    const deploy = datakit('deploy', dir);
    expect(deploy.status, deploy.stderr).toBe(0);
    const run = datakit('run', dir, name);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      files: ['/run/secrets/datakit', '/run/secrets/datakit/pagila_reader.password'],
      readable: ['/run/secrets/datakit/pagila_reader.password'],
      keytab: 'ENOENT',
      otherPassword: 'ENOENT',
      // The image's own files cannot be replaced, nor the system's; /tmp is scratch.
      writeApp: 'EROFS',
      writeEtc: 'EROFS',
      writeTmp: 'ok',
      uid: 10001,
    });
  });
});
