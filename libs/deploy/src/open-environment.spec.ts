import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError, ExitCode } from '@datakit/errors';
import { loadWarehouse } from '@datakit/warehouse';
import {
  SIDECAR,
  digest,
  scratchLock,
  scratchWarehouse,
  standInDriver,
} from './_scratch-warehouse.ts';
import { DockerDriver } from './drivers/docker/index.ts';
import { KubernetesDriver } from './drivers/kubernetes/index.ts';
import { exampleState } from './drivers/kubernetes/_fixture-state.ts';
import {
  environmentDriver,
  environmentState,
  openEnvironment,
  sidecarImage,
} from './open-environment.ts';

const anonymous = () => Promise.resolve(undefined);
const cleanUp: string[] = [];
afterEach(() => {
  for (const dir of cleanUp.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What `fn` throws (the test fails when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

describe('sidecarImage', () => {
  it('names the sidecar by the digest the lock pinned', () => {
    const lock = scratchLock('1.0.0', 'a', 'e');
    expect(sidecarImage('127.0.0.1:5000', SIDECAR, lock)).toBe(
      `127.0.0.1:5000/kerberos-sidecar@${digest('e')}`,
    );
  });

  it("names this repository's version tag for a lock without a sidecar (which deploy refuses)", () => {
    const lock = scratchLock('1.0.0', 'a', undefined);
    expect(sidecarImage('127.0.0.1:5000', SIDECAR, lock)).toBe(
      '127.0.0.1:5000/kerberos-sidecar:9.9.9',
    );
  });
});

describe('environmentState', () => {
  it("takes an earlier lock's jobs and sidecar instead of the warehouse's (rollback)", () => {
    const dir = scratchWarehouse(scratchLock('1.1.0', 'b', 'e'));
    cleanUp.push(dirname(dir));
    const earlier = scratchLock('1.0.0', 'a', 'd');
    const state = environmentState(loadWarehouse(dir), 'local', {
      sidecar: SIDECAR,
      lock: earlier,
    });
    expect(state.jobs.map((job) => job.image)).toEqual([
      `127.0.0.1:5000/shop-bronze@${digest('a')}`,
    ]);
    expect(state.sidecar?.image).toBe(`127.0.0.1:5000/kerberos-sidecar@${digest('d')}`);
  });
});

describe('environmentDriver', () => {
  const docker = exampleState('analytics', 'local');
  const withDockerHost = (dockerHost: string) => ({
    ...docker,
    environment: { ...docker.environment, dockerHost },
  });

  it('refuses a DOCKER_HOST that is not a unix socket instead of using the local socket (exit 5)', () => {
    const env = { DOCKER_HOST: 'tcp://build-host.corp.example:2376' };
    const refusal = thrown(() =>
      environmentDriver(docker, { registryCredentials: anonymous, env }),
    );
    expect(refusal).toBeInstanceOf(EnvironmentError);
    expect((refusal as EnvironmentError).exitCode).toBe(ExitCode.Environment);
    expect((refusal as Error).message).toContain(
      'DOCKER_HOST is tcp://build-host.corp.example:2376',
    );
    expect((refusal as EnvironmentError).hint).toContain(
      'set environments.local.dockerHost to the unix socket',
    );
  });

  it("uses the environment's unix socket, whatever DOCKER_HOST says", () => {
    const env = { DOCKER_HOST: 'tcp://build-host.corp.example:2376' };
    expect(
      environmentDriver(withDockerHost('unix:///run/docker.sock'), {
        registryCredentials: anonymous,
        env,
      }),
    ).toBeInstanceOf(DockerDriver);
  });

  it('accepts a DOCKER_HOST that names a unix socket', () => {
    const env = { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' };
    expect(environmentDriver(docker, { registryCredentials: anonymous, env })).toBeInstanceOf(
      DockerDriver,
    );
  });

  it('gives a Kubernetes environment the Kubernetes driver, in the kubeconfig of KUBECONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datakit-kubeconfig-'));
    cleanUp.push(dir);
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      expect(
        environmentDriver(exampleState('analytics', 'prod'), { registryCredentials: anonymous }),
      ).toBeInstanceOf(KubernetesDriver);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});

describe('openEnvironment', () => {
  it("uses the context's driver when it gives one", () => {
    const dir = scratchWarehouse(scratchLock('1.0.0', 'a', 'e'));
    cleanUp.push(dirname(dir));
    const driver = standInDriver({ log: [], applied: [], ran: [] });
    const opened = openEnvironment(loadWarehouse(dir), 'local', {
      sidecar: SIDECAR,
      registryCredentials: anonymous,
      driverFor: () => driver,
    });
    expect(opened.driver).toBe(driver);
    expect(opened.state.environmentName).toBe('local');
  });
});
