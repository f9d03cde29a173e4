import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerEngine } from '@datakit/docker';
import { ConfigError, ExitCode } from '@datakit/errors';
import type { DesiredState } from '../../desired-state.ts';
import { exampleState } from '../kubernetes/_fixture-state.ts';
import { sensitivePathProblem } from '@datakit/warehouse';
import { checkHostPaths } from './check-host-paths.ts';
import { hostPaths } from './config.ts';
import { DockerDriver } from './driver.ts';

let scratch: string;
let warehouseDir: string;
let secretsDir: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-host-paths-'));
  warehouseDir = join(scratch, 'analytics');
  secretsDir = join(scratch, 'secrets');
  mkdirSync(warehouseDir);
  mkdirSync(secretsDir);
  for (const file of [
    'pagila_reader.password',
    'warehouse_loader.password',
    'datakit-loader.keytab',
  ])
    writeFileSync(join(secretsDir, file), 'x');
  writeFileSync(join(scratch, 'krb5.conf'), '[libdefaults]\n');
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * analytics on Docker with its host paths as given (relative to the warehouse folder); the
 * scratch folder is its root of host paths unless `hostRoots` says otherwise.
 */
function stateWith(paths: {
  secretsDir?: string;
  krb5ConfigFile?: string;
  hostRoots?: string[];
}): DesiredState {
  const state = exampleState('analytics', 'local');
  return {
    ...state,
    dir: warehouseDir,
    environment: {
      ...state.environment,
      secretsDir: undefined,
      krb5ConfigFile: undefined,
      hostRoots: ['..'],
      ...paths,
    },
  } as DesiredState;
}

function problemsOf(state: DesiredState): string {
  try {
    checkHostPaths(state, hostPaths(state));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('checkHostPaths', () => {
  it('accepts an existing secretsDir holding every referenced file, and a krb5.conf', () => {
    const state = stateWith({ secretsDir: '../secrets', krb5ConfigFile: '../krb5.conf' });
    expect(() => checkHostPaths(state, hostPaths(state))).not.toThrow();
  });

  it('refuses a secretsDir that does not exist instead of letting Docker create it', () => {
    expect(problemsOf(stateWith({ secretsDir: '../nowhere' }))).toContain(
      `environments.local.secretsDir: ${join(scratch, 'nowhere')} does not exist; expected the folder to mount`,
    );
  });

  it('names the warehouse.yaml and says nothing was created', () => {
    expect(problemsOf(stateWith({ secretsDir: '../nowhere' }))).toMatch(
      new RegExp(
        `^${join(warehouseDir, 'warehouse.yaml')}: the Docker environment "local" mounts host paths that cannot be used; nothing was created:\n`,
      ),
    );
  });

  it.each([
    ['/', 'is the root of the host file system'],
    ['/etc', 'lies in /etc, a system folder of the host'],
    ['/var', 'holds /var/run, a system folder of the host'],
    ['/proc/self', 'lies in /proc, a system folder of the host'],
  ])('refuses secretsDir %s', (path, why) => {
    expect(problemsOf(stateWith({ secretsDir: path }))).toContain(
      `environments.local.secretsDir: ${path}`,
    );
    expect(problemsOf(stateWith({ secretsDir: path }))).toContain(why);
  });

  it('refuses a secretsDir that is a link to a system folder', () => {
    symlinkSync('/etc', join(scratch, 'innocent'));
    expect(problemsOf(stateWith({ secretsDir: '../innocent' }))).toContain(
      `environments.local.secretsDir: ${join(scratch, 'innocent')} (/etc) lies in /etc, a system folder of the host; it is never mounted`,
    );
  });

  it("refuses a krb5ConfigFile among the host's system files", () => {
    expect(
      problemsOf(stateWith({ secretsDir: '../secrets', krb5ConfigFile: '/etc/passwd' })),
    ).toContain(
      'environments.local.krb5ConfigFile: /etc/passwd lies in /etc, a system folder of the host',
    );
  });

  it('refuses a krb5ConfigFile that is a folder', () => {
    expect(
      problemsOf(stateWith({ secretsDir: '../secrets', krb5ConfigFile: '../secrets' })),
    ).toContain(`environments.local.krb5ConfigFile: ${join(scratch, 'secrets')} is not a file`);
  });

  it('refuses a referenced secret file that is missing from secretsDir', () => {
    rmSync(join(secretsDir, 'warehouse_loader.password'));
    expect(problemsOf(stateWith({ secretsDir: '../secrets' }))).toContain(
      `datakits.pagila-bronze.target (password): ${join(secretsDir, 'warehouse_loader.password')} does not exist (looked for it in environments.local.secretsDir)`,
    );
  });

  it('refuses a secret file that is a link leading out of secretsDir', () => {
    rmSync(join(secretsDir, 'pagila_reader.password'));
    symlinkSync('/etc/passwd', join(secretsDir, 'pagila_reader.password'));
    expect(problemsOf(stateWith({ secretsDir: '../secrets' }))).toContain(
      `datakits.pagila-bronze.source (password): ${join(secretsDir, 'pagila_reader.password')} is a link that leads out of environments.local.secretsDir, to /etc/passwd`,
    );
  });

  it('refuses secret files it may not look at, instead of calling them missing', () => {
    // The local infrastructure's secretsDir is 0700 for uid 10001: a CLI run by another user
    // cannot check it, so it mounts nothing from it.
    chmodSync(scratch, 0o755);
    chmodSync(warehouseDir, 0o755);
    chmodSync(secretsDir, 0o700);
    const state = stateWith({ secretsDir: '../secrets' });
    expect(checkUnprivileged(state)).toContain(
      `kerberos.keytab: ${join(secretsDir, 'datakit-loader.keytab')} cannot be checked: permission denied`,
    );
  });

  it('accepts host paths in the warehouse folder without any root', () => {
    mkdirSync(join(warehouseDir, 'secrets'));
    for (const file of [
      'pagila_reader.password',
      'warehouse_loader.password',
      'datakit-loader.keytab',
    ])
      writeFileSync(join(warehouseDir, 'secrets', file), 'x');
    const state = stateWith({ secretsDir: 'secrets', hostRoots: [] });
    expect(() => checkHostPaths(state, hostPaths(state))).not.toThrow();
  });

  it('refuses a secretsDir outside the warehouse folder and every root', () => {
    const state = stateWith({ secretsDir: '../secrets', hostRoots: [] });
    expect(problemsOf(state)).toContain(
      `environments.local.secretsDir: ${secretsDir} lies outside the warehouse folder (${warehouseDir}); declare a folder holding it in environments.local.hostRoots, or move it there`,
    );
  });

  it('accepts a secretsDir in a declared root, and refuses a krb5ConfigFile outside it', () => {
    const state = stateWith({
      secretsDir: '../secrets',
      krb5ConfigFile: '../krb5.conf',
      hostRoots: ['../secrets'],
    });
    const problems = problemsOf(state);
    expect(problems).not.toContain('secretsDir');
    expect(problems).toContain(
      `environments.local.krb5ConfigFile: ${join(scratch, 'krb5.conf')} lies outside the warehouse folder (${warehouseDir}) and environments.local.hostRoots.0 (${secretsDir})`,
    );
  });

  it('refuses a secretsDir whose link inside the warehouse folder escapes it', () => {
    symlinkSync(secretsDir, join(warehouseDir, 'secrets'));
    expect(problemsOf(stateWith({ secretsDir: 'secrets', hostRoots: [] }))).toContain(
      `environments.local.secretsDir: ${join(warehouseDir, 'secrets')} (${secretsDir}) lies outside the warehouse folder`,
    );
  });

  it('refuses a krb5ConfigFile linked from a root to a file outside it', () => {
    mkdirSync(join(scratch, 'infra'));
    symlinkSync(join(scratch, 'krb5.conf'), join(scratch, 'infra', 'krb5.conf'));
    const state = stateWith({
      secretsDir: '../secrets',
      krb5ConfigFile: '../infra/krb5.conf',
      hostRoots: ['../infra', '../secrets'],
    });
    expect(problemsOf(state)).toContain(
      `environments.local.krb5ConfigFile: ${join(scratch, 'infra', 'krb5.conf')} (${join(scratch, 'krb5.conf')}) lies outside`,
    );
  });

  it.each([
    ['/', 'is the root of the host file system'],
    ['/etc', 'lies in /etc, a system folder of the host'],
    ['/run', 'lies in /run, a system folder of the host'],
    ['/home', 'holds the home folders'],
    ['/var', 'holds /var/run, a system folder of the host'],
  ])('refuses the root %s', (root, why) => {
    expect(problemsOf(stateWith({ secretsDir: '../secrets', hostRoots: [root] }))).toContain(
      `environments.local.hostRoots.0: ${root} ${why}; it cannot be a root of host paths`,
    );
  });

  it('refuses a root that is a link to a system folder, and one that does not exist', () => {
    symlinkSync('/etc', join(scratch, 'config'));
    const problems = problemsOf(stateWith({ hostRoots: ['../config', '../nowhere'] }));
    expect(problems).toContain(
      `environments.local.hostRoots.0: ${join(scratch, 'config')} (/etc) lies in /etc`,
    );
    expect(problems).toContain(
      `environments.local.hostRoots.1: ${join(scratch, 'nowhere')} does not exist`,
    );
  });

  it("refuses a root holding the environment's Docker socket", () => {
    writeFileSync(join(scratch, 'docker.sock'), '');
    const state = stateWith({ secretsDir: '../secrets', hostRoots: ['..'] });
    const env = { ...state.environment, dockerHost: `unix://${join(scratch, 'docker.sock')}` };
    expect(problemsOf({ ...state, environment: env } as DesiredState)).toContain(
      `environments.local.hostRoots.0: ${scratch} holds the Docker engine's socket ${join(scratch, 'docker.sock')}`,
    );
  });

  it('shows each problem at its line of warehouse.yaml', () => {
    writeFileSync(
      join(warehouseDir, 'warehouse.yaml'),
      'environments:\n  local:\n    driver: docker\n    secretsDir: ../secrets\n    hostRoots:\n      - /nowhere-at-all\n',
    );
    const problems = problemsOf(
      stateWith({ secretsDir: '../secrets', hostRoots: ['/nowhere-at-all'] }),
    );
    expect(problems).toContain(
      '  line 6: environments.local.hostRoots.0: /nowhere-at-all does not exist',
    );
    expect(problems).toContain(
      `  line 4: environments.local.secretsDir: ${secretsDir} lies outside`,
    );
  });

  it('refuses file references when the environment has no secretsDir', () => {
    expect(problemsOf(stateWith({}))).toContain(
      'environments.local.secretsDir: is not set, but kerberos.keytab, datakits.pagila-bronze.source (password), datakits.pagila-bronze.target (password) reference files in it',
    );
  });
});

/**
 * The message of checkHostPaths as nobody (65534): in a child process under `setpriv` when the
 * tests run as root (root may look anywhere), in this process otherwise.
 */
function checkUnprivileged(state: DesiredState): string {
  if (process.getuid?.() !== 0) return problemsOf(state);
  const module = (name: string) =>
    JSON.stringify(pathToFileURL(join(import.meta.dirname, name)).href);
  const script = [
    `import { checkHostPaths } from ${module('check-host-paths.ts')};`,
    `import { hostPaths } from ${module('config.ts')};`,
    `const state = JSON.parse(process.argv[1]);`,
    `try { checkHostPaths(state, hostPaths(state)); console.log('""'); }`,
    `catch (e) { console.log(JSON.stringify(e.message)); }`,
  ].join('\n');
  const child = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      JSON.stringify(state),
    ],
    { encoding: 'utf8', cwd: import.meta.dirname },
  );
  if (child.status !== 0)
    throw new Error(`setpriv failed: ${child.error?.message ?? child.stderr}`);
  return JSON.parse(child.stdout) as string;
}

describe('sensitivePathProblem', () => {
  it.each([
    ['/run/docker.sock', 'lies in /run'],
    ['/var/lib/docker/volumes', 'lies in /var/lib/docker'],
    ['/root', 'is a home folder'],
    ['/home/alice', 'is a home folder'],
    ['/home/alice/.ssh', 'lies in .ssh, a folder of credentials'],
  ])('refuses %s', (path, why) => {
    expect(sensitivePathProblem(path)).toContain(why);
  });

  it('refuses the folder of home folders', () => {
    expect(sensitivePathProblem('/home')).toBe('holds the home folders');
  });

  it('accepts a project folder', () => {
    expect(sensitivePathProblem('/home/alice/datakit/.infra/secrets/datakit')).toBeUndefined();
  });
});

describe('DockerDriver.apply', () => {
  it('creates nothing (no volume, no container) when a host path is refused', async () => {
    const calls: string[] = [];
    const engine = {
      listContainers: async () => [],
      ensureVolume: async () => calls.push('ensureVolume'),
      stageContainer: async () => calls.push('stageContainer'),
      imageInfo: async () => ({ id: 'sha256:x', labels: {} }),
      pullImage: async () => calls.push('pullImage'),
    } as unknown as DockerEngine;
    const state = stateWith({ secretsDir: '/etc' });
    await expect(new DockerDriver(engine).apply(state)).rejects.toThrowError(
      /environments.local.secretsDir: \/etc lies in \/etc/,
    );
    expect(calls).toEqual([]);
  });

  it('creates nothing when a job image cannot be pulled', async () => {
    const calls: string[] = [];
    const engine = {
      listContainers: async () => [],
      networkExists: async () => true,
      ensureVolume: async () => calls.push('ensureVolume'),
      stageContainer: async () => calls.push('stageContainer'),
      // The sidecar image is there; the job's is not, and its pull fails.
      imageInfo: async (ref: string) =>
        ref.includes('kerberos-sidecar') ? { id: 'sha256:x', labels: {} } : undefined,
      pullImage: async (ref: string) => {
        calls.push(`pullImage ${ref.split('@')[0]}`);
        throw new Error('manifest unknown');
      },
    } as unknown as DockerEngine;
    const state = stateWith({ secretsDir: '../secrets', krb5ConfigFile: '../krb5.conf' });
    await expect(new DockerDriver(engine).apply(state)).rejects.toThrowError('manifest unknown');
    expect(calls).toEqual(['pullImage 127.0.0.1:5000/pagila-bronze']);
  });
});
