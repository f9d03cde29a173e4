import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { RegistryError } from '@datakit/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from './client.ts';
import { copyImage } from './copy-image.ts';
import { sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';

// The real CNCF distribution registry started by `npm run infra:up` (deletes enabled).
const REGISTRY = 'http://127.0.0.1:5000';
const client = createRegistryClient({ url: REGISTRY });
// A small chunk size so the streamed upload takes several PATCH requests.
const chunked = createRegistryClient({ url: REGISTRY, chunkSize: 100 });

const suffix = randomBytes(4).toString('hex');
const repo = `test/registry-client-${suffix}`;
const copyRepo = `test/registry-client-${suffix}-copy`;

// An empty tar archive (two zero blocks) plus a little noise so the layer is unique.
const tar = Buffer.concat([Buffer.from(`registry-client ${suffix}\n`), Buffer.alloc(1024)]);
const layer = gzipSync(tar);
const layerDigest = sha256Digest(layer);
const labels = { 'org.opencontainers.image.version': '1.0.0', 'datakit.test': suffix };
const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: labels },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
  }),
);
const configDigest = sha256Digest(config);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: config.length },
    layers: [{ mediaType: MediaType.OciLayerGzip, digest: layerDigest, size: layer.length }],
  }),
);
const manifestDigest = sha256Digest(manifest);
const index = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        mediaType: MediaType.OciManifest,
        digest: manifestDigest,
        size: manifest.length,
        platform: { os: 'linux', architecture: 'amd64' },
      },
    ],
  }),
);
const indexDigest = sha256Digest(index);

async function removeAll(repository: string): Promise<void> {
  for (const digest of [indexDigest, manifestDigest]) {
    try {
      await client.deleteManifest(repository, digest);
    } catch (error) {
      if (!(error instanceof RegistryError && error.status === 404)) throw error;
    }
  }
}

describe('registry client against the distribution registry on 127.0.0.1:5000', () => {
  beforeAll(async () => {
    await client.ping();
  });

  afterAll(async () => {
    await removeAll(repo);
    await removeAll(copyRepo);
  });

  it('answers ping with the distribution API version', async () => {
    expect(await client.ping()).toEqual({ url: REGISTRY, apiVersion: 'registry/2.0' });
  });

  it('uploads a config blob in one PUT and a layer as a chunked stream', async () => {
    expect(await client.blobExists(repo, configDigest)).toBe(false);
    await client.uploadBlob(repo, configDigest, config);
    const stream = new Blob([layer]).stream();
    await chunked.uploadBlob(repo, layerDigest, stream);
    expect(await client.blobExists(repo, configDigest)).toBe(true);
    expect(await client.blobExists(repo, layerDigest)).toBe(true);
    expect((await client.blob(repo, layerDigest)).equals(layer)).toBe(true);
  });

  it('puts the manifest under three tags and lists them newest first', async () => {
    for (const tag of ['1.0.0', '1.10.0', 'latest']) {
      expect(await client.putManifest(repo, tag, MediaType.OciManifest, manifest)).toBe(
        manifestDigest,
      );
    }
    expect(await client.tags(repo)).toEqual(['1.10.0', '1.0.0', 'latest']);
    expect(await client.catalog()).toContain(repo);
  });

  it('resolves a tag to the digest and reads the manifest back byte for byte', async () => {
    expect(await client.resolve(repo, '1.0.0')).toBe(manifestDigest);
    const fetched = await client.manifest(repo, '1.0.0');
    expect(fetched.digest).toBe(manifestDigest);
    expect(fetched.mediaType).toBe(MediaType.OciManifest);
    expect(fetched.raw.equals(manifest)).toBe(true);
    expect((await client.manifest(repo, manifestDigest)).digest).toBe(manifestDigest);
  });

  it('reads labels from an image and from the linux/amd64 entry of an index', async () => {
    expect(await client.labels(repo, '1.0.0')).toEqual(labels);
    expect(await client.putManifest(repo, '2.0.0', MediaType.OciIndex, index)).toBe(indexDigest);
    expect(await client.labels(repo, '2.0.0')).toEqual(labels);
  });

  it('names the repository and tag when a tag does not exist', async () => {
    expect(await client.resolveTag(repo, '9.9.9')).toBeUndefined();
    expect(await client.resolveTag(repo, '1.0.0')).toBe(manifestDigest);
    const error = await client.resolve(repo, '9.9.9').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
    expect((error as RegistryError).message).toContain(`Manifest ${repo}:9.9.9 not found`);
  });

  it('copies an image to another repository by mounting its blobs', async () => {
    const result = await copyImage(
      { client, repo, ref: '1.0.0' },
      { client, repo: copyRepo, tag: '1.0.0' },
    );
    expect(result).toMatchObject({ digest: manifestDigest, bytesCopied: 0, manifests: 1 });
    expect(result.blobs.map((blob) => blob.action)).toEqual(['mounted', 'mounted']);
    expect(await client.resolve(copyRepo, '1.0.0')).toBe(manifestDigest);
  });

  it('copies an index with its child, skipping blobs already there', async () => {
    const result = await copyImage(
      { client, repo, ref: '2.0.0' },
      { client, repo: copyRepo, tag: '2.0.0' },
    );
    expect(result).toMatchObject({ digest: indexDigest, manifests: 2, bytesCopied: 0 });
    expect(result.blobs.map((blob) => blob.action)).toEqual(['present', 'present']);
    expect(await client.labels(copyRepo, '2.0.0')).toEqual(labels);
  });

  it('deleting by digest removes every tag on it', async () => {
    await client.deleteManifest(repo, indexDigest);
    await client.deleteManifest(repo, manifestDigest);
    for (const tag of ['1.0.0', '1.10.0', 'latest', '2.0.0']) {
      await expect(client.resolve(repo, tag)).rejects.toMatchObject({ status: 404 });
    }
    await expect(client.tags(repo)).resolves.toEqual([]);
  });
});
