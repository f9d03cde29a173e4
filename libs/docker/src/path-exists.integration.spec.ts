import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerEngine } from './engine.ts';

// pathExists asks the real engine's archive API (npm run infra:up starts it) about a file in a
// named volume, as `datakit run` asks about the Kerberos sidecar's ready file.
const engine = new DockerEngine();
const suffix = randomBytes(3).toString('hex');
const name = `datakit-path-test-${suffix}`;
const volume = `datakit-path-test-${suffix}`;

afterAll(async () => {
  await engine.removeContainer(name);
  await engine.removeVolume(volume).catch(() => undefined);
});

describe('pathExists', () => {
  it('sees a file appear and disappear in a volume, without starting a process', async () => {
    const staged = await engine.stageContainer({
      name,
      image: 'debian:bookworm-slim',
      cmd: ['sh', '-c', 'sleep 1; touch /data/ready; sleep 2; rm /data/ready; sleep 3600'],
      labels: {},
      networkMode: 'none',
      binds: [`${volume}:/data`],
    });
    await staged.commit();
    expect(await engine.pathExists(name, '/data/ready')).toBe(false);
    await expect.poll(() => engine.pathExists(name, '/data/ready'), { timeout: 5000 }).toBe(true);
    await expect.poll(() => engine.pathExists(name, '/data/ready'), { timeout: 5000 }).toBe(false);
    expect(await engine.pathExists(name, '/data')).toBe(true);
  });

  it('is false for a container that does not exist', async () => {
    expect(await engine.pathExists(`${name}-missing`, '/data/ready')).toBe(false);
  });
});
