import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '@datakit/docker';
import { EnvironmentError, ExitCode, formatError } from '@datakit/errors';
import { assertCanBootstrap } from './ensure-base-images.ts';
import { dockerdToStart, ensureEngine } from './ensure-engine.ts';
import { portTakenError } from './local-infra.ts';
import { realMachine, type MachineProbes } from './probes.ts';

const machine = (overrides: Partial<MachineProbes>): MachineProbes => ({
  isRoot: () => true,
  findExecutable: (name) => `/usr/sbin/${name}`,
  portHolder: () => Promise.resolve(undefined),
  ...overrides,
});

describe('bad environments get a clear message', () => {
  it('names the missing Docker engine and the package that gives one', () => {
    const probes = machine({ findExecutable: () => undefined });
    expect(() => dockerdToStart('unix:///var/run/docker.sock', probes)).toThrowError(
      EnvironmentError,
    );
    let error: unknown;
    try {
      dockerdToStart('unix:///var/run/docker.sock', probes);
    } catch (caught) {
      error = caught;
    }
    expect(formatError(error)).toMatchInlineSnapshot(`
      "No Docker engine answers at unix:///var/run/docker.sock, and dockerd is not installed to start one.
      Install it with \`apt-get install docker.io\` (as root), or start your Docker engine and set DOCKER_HOST."
    `);
  });

  it('says that starting dockerd needs root', () => {
    const probes = machine({ isRoot: () => false });
    expect(() => dockerdToStart('unix:///x.sock', probes)).toThrowError(/needs root/);
  });

  it('fails with the environment exit code when no engine answers and none can start', async () => {
    const engine = new DockerEngine({ socketPath: '/nonexistent/docker.sock' });
    const probes = machine({ findExecutable: () => undefined });
    const error = await ensureEngine('/tmp', probes, engine).then(
      () => undefined,
      (caught: unknown) => caught as EnvironmentError,
    );
    expect(error?.exitCode).toBe(ExitCode.Environment);
    expect(error?.message).toContain('unix:///nonexistent/docker.sock');
  });

  it('names debootstrap when offline without it', () => {
    const probes = machine({ findExecutable: () => undefined });
    expect(() => assertCanBootstrap(probes)).toThrowError(
      /debootstrap is not installed to build it offline/,
    );
  });

  it('says that debootstrap needs root', () => {
    expect(() => assertCanBootstrap(machine({ isRoot: () => false }))).toThrowError(
      /with debootstrap needs root/,
    );
  });

  it('names the port, the process holding it and how to free it', () => {
    const error = portTakenError({ name: 'postgres', port: 5432 }, 'postgres (pid 4242)');
    expect(formatError(error)).toMatchInlineSnapshot(`
      "Port 5432 on 127.0.0.1 is taken by postgres (pid 4242), so the postgres service cannot start.
      Stop that server (e.g. \`pg_ctlcluster 15 main stop\` or \`systemctl stop postgresql\`) and run \`npm run infra:up\` again."
    `);
  });
});

describe('realMachine.portHolder', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('sees a port that another process listens on', async () => {
    server = createServer();
    const port = await new Promise<number>((resolve) => {
      server?.listen(0, '127.0.0.1', () => {
        const address = server?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    expect(await realMachine.portHolder(port)).toBeDefined();
  });

  it('reports a free port as free', async () => {
    server = createServer();
    const port = await new Promise<number>((resolve) => {
      server?.listen(0, '127.0.0.1', () => {
        const address = server?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    expect(await realMachine.portHolder(port)).toBeUndefined();
  });
});
