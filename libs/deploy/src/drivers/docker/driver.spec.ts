import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerSpec, DockerEngine, StagedContainer } from '@datakit/docker';
import { DockerError } from '@datakit/errors';
import type { DesiredState } from '../../desired-state.ts';
import { exampleState } from '../kubernetes/_fixture-state.ts';
import { hostPaths } from './config.ts';
import { DockerDriver } from './driver.ts';
import { jobSecretFiles, sidecarSecretFiles } from './map-secret-files.ts';

// The Docker driver's apply against an engine that records what it is asked and fails where a
// test says: a deploy that fails half way leaves the previous deployment as it was.
let root: string;
let state: DesiredState;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'docker-driver-'));
  const example = exampleState('analytics', 'local');
  state = { ...example, dir: join(root, 'warehouses', 'analytics') };
  mkdirSync(state.dir, { recursive: true });
  // The host files it mounts, where the environment says: krb5.conf and the jobs' secrets.
  const paths = hostPaths(state);
  if (paths.krb5ConfigFile !== undefined) {
    mkdirSync(dirname(paths.krb5ConfigFile), { recursive: true });
    writeFileSync(paths.krb5ConfigFile, '[libdefaults]\n');
  }
  const secrets = paths.secretsDir!;
  for (const file of [
    ...sidecarSecretFiles(state),
    ...state.jobs.flatMap((job) => jobSecretFiles(state, job)),
  ]) {
    mkdirSync(dirname(join(secrets, file.relativePath)), { recursive: true });
    writeFileSync(join(secrets, file.relativePath), 'not-a-real-secret\n');
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** An engine with nothing deployed, every image present, failing to stage `failOn`. */
function recordingEngine(failOn?: string) {
  const calls: string[] = [];
  const engine = {
    listContainers: async () => [],
    listVolumes: async () => [],
    networkExists: async () => true,
    imageInfo: async () => ({ id: 'sha256:image' }),
    pullImage: async () => calls.push('pull'),
    ensureVolume: async (name: string) => calls.push(`volume ${name}`),
    removeVolume: async (name: string) => calls.push(`remove volume ${name}`),
    removeContainer: async (name: string) => calls.push(`remove ${name}`),
    stageContainer: async (spec: ContainerSpec & { name: string }): Promise<StagedContainer> => {
      if (spec.name === failOn) throw new DockerError(`Creating container ${spec.name}: refused`);
      calls.push(`stage ${spec.name}`);
      return {
        outcome: 'created',
        commit: async () => void calls.push(`commit ${spec.name}`),
        discard: async () => void calls.push(`discard ${spec.name}`),
      };
    },
  };
  return { engine: engine as unknown as DockerEngine, calls };
}

describe('DockerDriver.apply', () => {
  const sidecar = 'datakit-analytics-local-kerberos';

  it('stages every container, then commits them all', async () => {
    const { engine, calls } = recordingEngine();
    const result = await new DockerDriver(engine).apply(state);
    const names = [sidecar, ...state.jobs.map((j) => `datakit-analytics-local-${j.datakit}`)];
    expect(calls).toEqual([
      'volume datakit-analytics-local-krb5',
      ...names.map((n) => `stage ${n}`),
      ...names.map((n) => `commit ${n}`),
    ]);
    expect(result.applied).toEqual(names.map((n) => `container/${n}`));
    expect(readdirSync(join(state.dir, '.datakit', 'local'))).toHaveLength(state.jobs.length);
  });

  it('discards what it staged and writes nothing when a container cannot be created', async () => {
    const last = `datakit-analytics-local-${state.jobs.at(-1)!.datakit}`;
    const { engine, calls } = recordingEngine(last);
    await expect(new DockerDriver(engine).apply(state)).rejects.toThrow('refused');
    expect(calls.filter((c) => c.startsWith('commit') || c.startsWith('remove datakit'))).toEqual(
      [],
    );
    // The sidecar was staged before the job failed: it is discarded, and the ticket volume
    // this deploy created goes too.
    expect(calls.filter((c) => c.startsWith('discard') || c.startsWith('remove volume'))).toEqual([
      `discard ${sidecar}`,
      'remove volume datakit-analytics-local-krb5',
    ]);
    expect(readdirSync(join(state.dir, '.datakit', 'local'))).toEqual([]);
  });
});
