import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerEngine, STAGED_SUFFIX } from './engine.ts';

// Replacing a container without losing it, on the real engine (npm run infra:up starts it),
// with the offline-bootstrapped debian:bookworm-slim: a replacement that cannot start is
// dropped and the running container stays; one that starts takes the name on commit.
const engine = new DockerEngine();
const name = `datakit-stage-test-${randomBytes(3).toString('hex')}`;
const IMAGE = 'debian:bookworm-slim';
const sleeper = (labels: Record<string, string>, cmd = ['sleep', '3600']) => ({
  name,
  image: IMAGE,
  cmd,
  labels,
  networkMode: 'none',
});

afterAll(async () => {
  await engine.removeContainer(name);
  await engine.removeContainer(`${name}${STAGED_SUFFIX}`);
});

describe('stageContainer', () => {
  it('creates and starts a first container on commit', async () => {
    const staged = await engine.stageContainer(sleeper({ generation: '1' }));
    expect(staged.outcome).toBe('created');
    await staged.commit();
    const state = await engine.containerState(name);
    expect(state?.running).toBe(true);
  });

  it('drops a replacement that cannot start, and the running container stays', async () => {
    const before = await engine.containerState(name);
    await expect(
      engine.stageContainer(sleeper({ generation: '2' }, ['/no/such/program'])),
    ).rejects.toThrow(/Starting container/);
    const after = await engine.containerState(name);
    expect(after?.id).toBe(before?.id);
    expect(after?.running).toBe(true);
    expect(await engine.containerState(`${name}${STAGED_SUFFIX}`)).toBeUndefined();
  });

  it('keeps the old container until commit, and discard leaves it as it was', async () => {
    const before = await engine.containerState(name);
    const staged = await engine.stageContainer(sleeper({ generation: '3' }));
    expect(staged.outcome).toBe('recreated');
    expect((await engine.containerState(name))?.id).toBe(before?.id);
    expect((await engine.containerState(`${name}${STAGED_SUFFIX}`))?.running).toBe(true);
    await staged.discard();
    expect((await engine.containerState(name))?.id).toBe(before?.id);
    expect(await engine.containerState(`${name}${STAGED_SUFFIX}`)).toBeUndefined();
  });

  it('swaps on commit: the new container takes the name, the old one is gone', async () => {
    const before = await engine.containerState(name);
    const staged = await engine.stageContainer(sleeper({ generation: '4' }));
    await staged.commit();
    const after = await engine.containerState(name);
    expect(after?.id).not.toBe(before?.id);
    expect(after?.running).toBe(true);
    expect(await engine.containerState(`${name}${STAGED_SUFFIX}`)).toBeUndefined();
    const unchanged = await engine.stageContainer(sleeper({ generation: '4' }));
    expect(unchanged.outcome).toBe('unchanged');
  });
});
