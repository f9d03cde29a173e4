import { afterEach, describe, expect, it } from 'vitest';
import { DockerDriver, type DesiredState } from '@datakit/deploy';
import { EnvironmentError, ExitCode } from '@datakit/errors';
import { driverFor } from './_deploy.ts';

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

const dockerState = (dockerHost?: string) =>
  ({
    warehouse: 'analytics',
    environmentName: 'local',
    environment: { driver: 'docker', registry: '127.0.0.1:5000', network: 'host', dockerHost },
  }) as unknown as DesiredState;

describe('driverFor', () => {
  it('refuses a DOCKER_HOST that is not a unix socket instead of using the local socket', () => {
    process.env.DOCKER_HOST = 'tcp://build-host.corp.example:2376';
    expect(() => driverFor(dockerState())).toThrowError(EnvironmentError);
    try {
      driverFor(dockerState());
    } catch (error) {
      expect((error as EnvironmentError).exitCode).toBe(ExitCode.Environment);
      expect((error as Error).message).toContain(
        'DOCKER_HOST is tcp://build-host.corp.example:2376',
      );
    }
  });

  it("uses the environment's unix socket, whatever DOCKER_HOST says", () => {
    process.env.DOCKER_HOST = 'tcp://build-host.corp.example:2376';
    expect(driverFor(dockerState('unix:///run/docker.sock'))).toBeInstanceOf(DockerDriver);
  });

  it('accepts a DOCKER_HOST that names a unix socket', () => {
    process.env.DOCKER_HOST = 'unix:///run/user/1000/docker.sock';
    expect(driverFor(dockerState())).toBeInstanceOf(DockerDriver);
  });
});
