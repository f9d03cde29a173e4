import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '@datakit/docker';
import { DatakitError, ExitCode, RegistryError } from '@datakit/errors';
import { localInfra } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { buildDatakitImage, registryBaseReader } from './build-datakit-image.ts';
import { readDatakitProject } from './datakit-project.ts';
import { buildPlatformImage, pushPlatformImage, readPlatformProject } from './platform-image.ts';
import { pushDatakitImage, TagExistsError, type ImageRegistry } from './push-datakit-image.ts';

// Against the real engine and registry of `npm run infra:up`. Repositories get a random suffix:
// tags are immutable, so every run pushes new names.
const root = join(import.meta.dirname, '..', '..', '..');
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const engine = new DockerEngine();
const suffix = randomBytes(3).toString('hex');

const reader = registryBaseReader(client);
const registryOf = (c = client): ImageRegistry => ({
  resolveTag: async (repository, tag) => {
    try {
      return await c.resolve(repository, tag);
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    }
  },
  blobExists: (repository, digest) => c.blobExists(repository, digest),
  mountBlob: (repository, digest, from) => c.mountBlob(repository, digest, from),
  uploadBlob: async (repository, digest, bytes) =>
    void (await c.uploadBlob(repository, digest, bytes)),
  putManifest: (repository, reference, mediaType, bytes) =>
    c.putManifest(repository, reference, mediaType, bytes),
});

let scratch: string;
/** A datakit project in a scratch folder; `main` is the body of its entry file. */
const datakit = (name: string, version: string, main: string): string => {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, datakit: { name } }));
  writeFileSync(join(dir, 'src', 'main.ts'), main);
  return dir;
};
/** The contract hash the test datakit's spec gives: the image's label must be this one. */
const DEMO_HASH = `sha256:${'d'.repeat(64)}`;
const specMain = (extra = ''): string =>
  `const name = process.env.DATAKIT_NAME; const version = process.env.DATAKIT_VERSION;\n` +
  `if (process.argv[2] === 'spec') console.log(JSON.stringify({ type: 'spec', name, version, contracts: { demo: { columns: ['id'] } }, contractHash: '${DEMO_HASH}' }));\n` +
  `else console.log(JSON.stringify({ type: 'summary', status: 'succeeded', extra: ${JSON.stringify(extra)} }));\n`;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'datakit-images-'));
  // Every datakit image sits on datakit-base: make sure this registry has it.
  const base = readPlatformProject(join(root, 'platform', 'datakit-base'));
  const exists = await registryOf().resolveTag('datakit-base', base.version);
  if (exists === undefined) {
    const ref = `${infra.registry.host}/datakit-base:${base.version}`;
    await buildPlatformImage(root, engine, base, ref);
    await engine.pushImage(ref);
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a datakit image', () => {
  it('has the same digest when built twice from two checkouts in different folders', () => {
    const build = (dir: string): string => {
      const result = spawnSync('git', ['worktree', 'add', '--detach', dir, 'HEAD'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      try {
        const script = `import { buildDatakitImage, readDatakitProject } from '${join(root, 'libs/images/src/index.ts')}';
import { createRegistryClient } from '${join(root, 'libs/registry/src/index.ts')}';
const client = createRegistryClient({ url: '${infra.registry.url}' });
const reader = { manifest: async (r, t) => { const f = await client.manifest(r, t); return { digest: f.digest, manifest: f.manifest }; }, config: (r, m) => client.config(r, m) };
const image = await buildDatakitImage(readDatakitProject('${dir}/datakits/hello', '${dir}'), '${dir}', reader);
console.log(image.digest);`;
        const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: root,
          encoding: 'utf8',
        });
        expect(run.status, run.stderr).toBe(0);
        return run.stdout.trim();
      } finally {
        spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root });
      }
    };
    const first = build(join(scratch, 'checkout-a'));
    const second = build(join(scratch, 'nested', 'checkout-b'));
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  it('is pushed once, then found in the registry without sending a byte', async () => {
    const project = readDatakitProject(datakit(`test-images-${suffix}`, '1.0.0', specMain()), root);
    const image = await buildDatakitImage(project, root, reader);
    const first = await pushDatakitImage(image, registryOf(), infra.registry.host);
    expect(first.outcome).toBe('pushed');
    expect(first.bytesUploaded).toBe(image.layer.size + image.configBytes.length);
    expect(first.blobs.filter((b) => b.action === 'uploaded')).toHaveLength(2);
    const second = await pushDatakitImage(image, registryOf(), infra.registry.host);
    expect(second).toMatchObject({ outcome: 'unchanged', bytesUploaded: 0 });
    expect(await client.tags(project.name)).toEqual(['1.0.0']);
    const labels = await client.labels(project.name, '1.0.0');
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': project.name,
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.base.name': `datakit-base:${project.base.tag}`,
      'dev.datakit.contract.hash': DEMO_HASH,
    });
    expect(image.contractHash).toBe(DEMO_HASH);
    expect(labels['org.opencontainers.image.base.digest']).toMatch(/^sha256:/);
  });

  it('runs from the registry by digest, as a non-root user', async () => {
    const project = readDatakitProject(
      datakit(`test-images-run-${suffix}`, '2.1.0', specMain('ran')),
      root,
    );
    const image = await buildDatakitImage(project, root, reader);
    await pushDatakitImage(image, registryOf(), infra.registry.host);
    const ref = `${infra.registry.host}/${project.name}@${image.digest}`;
    await engine.pullImage(ref);
    try {
      const spec = await engine.runContainer({ image: ref, cmd: ['spec'] });
      expect(spec.exitCode).toBe(0);
      expect(JSON.parse(spec.stdout)).toMatchObject({ name: project.name, version: '2.1.0' });
      const run = await engine.runContainer({
        image: ref,
        cmd: ['run'],
        entrypoint: ['node', '-e', 'console.log(process.getuid())'],
      });
      expect(Number(run.stdout.trim())).toBe(10001);
    } finally {
      await engine.removeImage(ref, true);
    }
  });

  it('refuses to move a version that exists with another digest, showing both', async () => {
    const name = `test-images-immutable-${suffix}`;
    const first = await buildDatakitImage(
      readDatakitProject(datakit(name, '1.0.0', specMain('one')), root),
      root,
      reader,
    );
    await pushDatakitImage(first, registryOf(), infra.registry.host);
    const second = await buildDatakitImage(
      readDatakitProject(datakit(name, '1.0.0', specMain('two')), root),
      root,
      reader,
    );
    const error = await pushDatakitImage(second, registryOf(), infra.registry.host).then(
      () => undefined,
      (caught: unknown) => caught as TagExistsError,
    );
    expect(error).toBeInstanceOf(TagExistsError);
    expect(error?.exitCode).toBe(ExitCode.Config);
    expect(error?.message).toContain(first.digest);
    expect(error?.message).toContain(second.digest);
    expect(await client.resolve(name, '1.0.0')).toBe(first.digest);
  });

  it('leaves no tag behind when the push fails half way', async () => {
    const name = `test-images-half-${suffix}`;
    const image = await buildDatakitImage(
      readDatakitProject(datakit(name, '1.0.0', specMain()), root),
      root,
      reader,
    );
    const failing: ImageRegistry = {
      ...registryOf(),
      uploadBlob: async (repository, digest, bytes) => {
        if (digest === image.manifest.config.digest)
          throw new RegistryError('connection reset', infra.registry.url);
        await registryOf().uploadBlob(repository, digest, bytes);
      },
    };
    await expect(pushDatakitImage(image, failing, infra.registry.host)).rejects.toThrow(
      /connection reset/,
    );
    expect(await registryOf().resolveTag(name, '1.0.0')).toBeUndefined();
  });

  it('names the registry URL when the registry is down', async () => {
    const down = createRegistryClient({ url: 'http://127.0.0.1:1' });
    const image = await buildDatakitImage(
      readDatakitProject(datakit(`test-images-down-${suffix}`, '1.0.0', specMain()), root),
      root,
      reader,
    );
    const error = await pushDatakitImage(image, registryOf(down), '127.0.0.1:1').then(
      () => undefined,
      (caught: unknown) => caught as RegistryError,
    );
    expect(error).toBeInstanceOf(RegistryError);
    expect(error?.message).toContain('http://127.0.0.1:1');
  });

  it('is not built when its spec cannot be produced, and the error says why', async () => {
    const dir = datakit(
      `test-images-nospec-${suffix}`,
      '1.0.0',
      "throw new Error('contract module failed to load');\n",
    );
    const error = await buildDatakitImage(readDatakitProject(dir, root), root, reader).then(
      () => undefined,
      (caught: unknown) => caught as DatakitError,
    );
    expect(error).toBeInstanceOf(DatakitError);
    expect(error?.message).toMatch(/The spec of .* cannot be produced: `spec` exited with code 1/);
    expect(error?.hint).toContain('contract module failed to load');
  });
});

describe('a platform image', () => {
  // A project whose build writes the build time: every build from scratch has other bytes, as
  // datakit-base's compiled pg-native addon has in another checkout.
  const dir = join(mkdtempSync(join(tmpdir(), 'datakit-platform-')), `platform-test-${suffix}`);
  const progress: string[] = [];
  const push = () =>
    pushPlatformImage(root, engine, readPlatformProject(dir), client, infra.registry.host, (m) =>
      progress.push(m),
    );
  const ref = `${infra.registry.host}/platform-test-${suffix}:1.0.0`;

  afterAll(async () => {
    await engine.removeImage(ref, true).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is pushed once; built again elsewhere from the same sources it is kept; other sources are refused', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }));
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM debian:bookworm-slim\nRUN date +%s%N > /built-at\n',
    );
    const first = await push();
    expect(first).toMatchObject({ reference: ref, outcome: 'pushed' });
    expect(await push()).toMatchObject({ outcome: 'unchanged', digest: first.digest });

    // Removing the local image drops the build cache: the next build has other bytes.
    const before = (await engine.imageInfo(ref))?.id;
    await engine.removeImage(ref, true);
    progress.length = 0;
    expect(await push()).toMatchObject({ outcome: 'unchanged', digest: first.digest });
    expect((await engine.imageInfo(ref))?.id).not.toBe(before);
    expect(progress).toContain(
      `${ref} in the registry was built from the same sources elsewhere: kept`,
    );

    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM debian:bookworm-slim\nRUN date +%s%N > /built-at\nLABEL changed=yes\n',
    );
    await expect(push()).rejects.toBeInstanceOf(TagExistsError);
  });
});
