import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient } from './client.ts';
import { copyImage } from './copy-image.ts';
import { sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import { startTestServer } from './_test-server.ts';
import type { Answer, SeenRequest, TestServer } from './_test-server.ts';

/**
 * A registry in memory, just enough of the distribution API for a copy: blobs (HEAD, GET,
 * POST/PATCH/PUT uploads, mount) and manifests (GET, PUT) per repository.
 */
function memoryRegistry() {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { type: string; bytes: Buffer }>();
  const uploads = new Map<string, Buffer>();
  let next = 0;
  const handle = (request: SeenRequest): Answer => {
    const url = new URL(request.url, 'http://x');
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(url.pathname);
    if (blob && (request.method === 'HEAD' || request.method === 'GET')) {
      const bytes = blobs.get(`${blob[1]}@${blob[2]}`);
      return bytes ? { status: 200, body: bytes } : { status: 404 };
    }
    const start = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (start && request.method === 'POST') {
      const mount = url.searchParams.get('mount');
      const source = blobs.get(`${url.searchParams.get('from')}@${mount}`);
      if (mount && source) {
        blobs.set(`${start[1]}@${mount}`, source);
        return { status: 201 };
      }
      const id = `u${(next += 1)}`;
      uploads.set(id, Buffer.alloc(0));
      return { status: 202, headers: { location: `/v2/${start[1]}/blobs/uploads/${id}` } };
    }
    const session = /^\/v2\/(.+)\/blobs\/uploads\/(u\d+)$/.exec(url.pathname);
    if (session) {
      const [, repository = '', id = ''] = session;
      const sofar = Buffer.concat([uploads.get(id) ?? Buffer.alloc(0), request.body]);
      uploads.set(id, sofar);
      if (request.method === 'PATCH') {
        return { status: 202, headers: { location: `/v2/${repository}/blobs/uploads/${id}` } };
      }
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256Digest(sofar) !== digest)
        return { status: 400, body: { errors: [{ code: 'DIGEST_INVALID' }] } };
      blobs.set(`${repository}@${digest}`, sofar);
      return { status: 201 };
    }
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest) {
      const [, repository = '', reference = ''] = manifest;
      if (request.method === 'PUT') {
        const stored = { type: String(request.headers['content-type']), bytes: request.body };
        const digest = sha256Digest(request.body);
        manifests.set(`${repository}@${digest}`, stored);
        manifests.set(`${repository}:${reference}`, stored);
        return { status: 201, headers: { 'docker-content-digest': digest } };
      }
      const key = reference.includes(':')
        ? `${repository}@${reference}`
        : `${repository}:${reference}`;
      const stored = manifests.get(key);
      if (!stored) return { status: 404 };
      return {
        status: 200,
        headers: {
          'content-type': stored.type,
          'docker-content-digest': sha256Digest(stored.bytes),
        },
        body: stored.bytes,
      };
    }
    return { status: 404 };
  };
  return { blobs, manifests, handle };
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startRegistry() {
  const memory = memoryRegistry();
  const server = await startTestServer(memory.handle);
  servers.push(server);
  return { ...memory, server, client: createRegistryClient({ url: server.url, chunkSize: 16 }) };
}

async function pushImage(
  registry: Awaited<ReturnType<typeof startRegistry>>,
  repository: string,
  name: string,
) {
  const config = Buffer.from(JSON.stringify({ config: { Labels: { name } } }));
  const layer = Buffer.from(`layer of ${name} `.repeat(5));
  await registry.client.uploadBlob(repository, sha256Digest(config), config);
  await registry.client.uploadBlob(repository, sha256Digest(layer), layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256Digest(config), size: config.length },
      layers: [
        { mediaType: MediaType.OciLayerGzip, digest: sha256Digest(layer), size: layer.length },
      ],
    }),
  );
  const digest = await registry.client.putManifest(
    repository,
    name,
    MediaType.OciManifest,
    manifest,
  );
  return { digest, size: manifest.length, bytes: config.length + layer.length };
}

describe('copyImage', () => {
  it('streams every blob to another registry and keeps the digest', async () => {
    const source = await startRegistry();
    const target = await startRegistry();
    const image = await pushImage(source, 'src/app', '1.0.0');
    const result = await copyImage(
      { client: source.client, repo: 'src/app', ref: '1.0.0' },
      { client: target.client, repo: 'dst/app', tag: '1.0.0' },
    );
    expect(result).toMatchObject({ digest: image.digest, bytesCopied: image.bytes, manifests: 1 });
    expect(result.blobs.map((blob) => blob.action)).toEqual(['uploaded', 'uploaded']);
    expect(await target.client.resolve('dst/app', '1.0.0')).toBe(image.digest);
    expect(await target.client.labels('dst/app', '1.0.0')).toEqual({ name: '1.0.0' });
    // chunkSize 16: the layer went in several PATCH requests.
    const patches = target.server.requests.filter((request) => request.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(2);
  });

  it('skips blobs the target has and sends nothing the second time', async () => {
    const source = await startRegistry();
    const target = await startRegistry();
    await pushImage(source, 'src/app', '1.0.0');
    const from = { client: source.client, repo: 'src/app', ref: '1.0.0' };
    await copyImage(from, { client: target.client, repo: 'dst/app', tag: '1.0.0' });
    const again = await copyImage(from, { client: target.client, repo: 'dst/app', tag: '1.0.1' });
    expect(again.bytesCopied).toBe(0);
    expect(again.blobs.map((blob) => blob.action)).toEqual(['present', 'present']);
  });

  it('mounts blobs within one registry', async () => {
    const registry = await startRegistry();
    await pushImage(registry, 'src/app', '1.0.0');
    const result = await copyImage(
      { client: registry.client, repo: 'src/app', ref: '1.0.0' },
      { client: registry.client, repo: 'dst/app', tag: '1.0.0' },
    );
    expect(result.bytesCopied).toBe(0);
    expect(result.blobs.map((blob) => blob.action)).toEqual(['mounted', 'mounted']);
  });

  it('copies every child of an index before the index itself', async () => {
    const source = await startRegistry();
    const target = await startRegistry();
    const amd64 = await pushImage(source, 'src/app', 'amd64');
    const arm64 = await pushImage(source, 'src/app', 'arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          {
            mediaType: MediaType.OciManifest,
            ...amd64,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: MediaType.OciManifest,
            ...arm64,
            platform: { os: 'linux', architecture: 'arm64' },
          },
        ].map(({ bytes: _bytes, ...descriptor }) => descriptor),
      }),
    );
    const indexDigest = await source.client.putManifest(
      'src/app',
      '2.0.0',
      MediaType.OciIndex,
      index,
    );
    const result = await copyImage(
      { client: source.client, repo: 'src/app', ref: '2.0.0' },
      { client: target.client, repo: 'dst/app', tag: '2.0.0' },
    );
    expect(result).toMatchObject({
      digest: indexDigest,
      mediaType: MediaType.OciIndex,
      manifests: 3,
    });
    expect(result.blobs).toHaveLength(4);
    const puts = target.server.requests
      .filter((request) => request.method === 'PUT' && request.url.includes('/manifests/'))
      .map((request) => request.url.split('/manifests/')[1]);
    expect(puts).toEqual([amd64.digest, arm64.digest, '2.0.0']);
    expect(await target.client.labels('dst/app', '2.0.0')).toEqual({ name: 'amd64' });
    expect(
      await target.client.labels('dst/app', '2.0.0', { os: 'linux', architecture: 'arm64' }),
    ).toEqual({ name: 'arm64' });
  });

  it('refuses a target tag with build metadata before copying anything', async () => {
    const source = await startRegistry();
    await expect(
      copyImage(
        { client: source.client, repo: 'src/app', ref: '1.0.0' },
        { client: source.client, repo: 'dst/app', tag: '1.0.0+build.1' },
      ),
    ).rejects.toThrow(/is not valid: a tag matches/);
    expect(source.server.requests).toHaveLength(0);
  });
});
