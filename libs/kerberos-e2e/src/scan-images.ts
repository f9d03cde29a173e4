import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { DockerEngine } from '@datakit/docker';
import { RegistryError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';

import { NeedleScanner, type Needle } from './secret-needles.ts';

/** What one scanned image held. */
export interface ImageScan {
  /** `engine <id> (<tags>)` or `registry <repo>:<tag>`. */
  image: string;
  bytes: number;
  /** Names of the needles found; empty when clean. */
  found: string[];
}

/** Every scan of a run and the layers it covered. */
export interface ScanResult {
  images: ImageScan[];
  /** Uncompressed layer digests (diff ids) that were read. */
  layers: Set<string>;
}

/**
 * Reads every image of the Docker engine (tagged or dangling; intermediate build steps are
 * inside them) as one `docker save`: each config (env, labels, history) and each layer as an
 * uncompressed tar, once even when images share it, so a file holding a secret is found byte
 * for byte. Findings are reported per image through the archive's manifest.json.
 */
export async function scanEngineImages(
  engine: DockerEngine,
  needles: Needle[],
): Promise<ScanResult> {
  const images = await engine.listImages();
  // Tagged images by name (so the archive's manifest names them), dangling ones by id.
  const ids = [...new Set(images.map((image) => image.repoTags[0] ?? image.id))];
  // docker save writes a layer two images share once and links the second copy to it.
  const links = new Map<string, string>();
  const byEntry = new Map<string, { bytes: number; found: string[] }>();
  let manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const archive = await engine.saveImages(ids);
  const extract = tar.extract();
  archive.on('error', (error) => extract.destroy(error));
  archive.pipe(extract);
  for await (const entry of extract) {
    const { header } = entry;
    if (header.type === 'symlink' && header.linkname) {
      links.set(header.name, posix.join(posix.dirname(header.name), header.linkname));
    }
    const scanner = new NeedleScanner(needles);
    const keep: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      scanner.push(chunk);
      if (header.name === 'manifest.json') keep.push(chunk);
    }
    byEntry.set(header.name, { bytes, found: scanner.found() });
    if (header.name === 'manifest.json') {
      manifest = JSON.parse(Buffer.concat(keep).toString('utf8')) as typeof manifest;
    }
  }
  const result: ScanResult = {
    images: [],
    layers: new Set(images.flatMap((image) => image.layers)),
  };
  // Entries no image names (repositories, the per-layer json/VERSION files) count too.
  const named = new Set(manifest.flatMap((m) => [m.Config, ...m.Layers]));
  for (const image of manifest) {
    const entries = [image.Config, ...image.Layers].map((name) =>
      byEntry.get(links.get(name) ?? name),
    );
    result.images.push({
      image: `engine ${image.Config.slice(0, 12)} (${image.RepoTags?.join(', ') || 'untagged'})`,
      bytes: entries.reduce((sum, e) => sum + (e?.bytes ?? 0), 0),
      found: [...new Set(entries.flatMap((e) => e?.found ?? []))].sort(),
    });
  }
  const rest = [...byEntry].filter(([name]) => !named.has(name));
  result.images.push({
    image: 'engine archive metadata',
    bytes: rest.reduce((sum, [, e]) => sum + e.bytes, 0),
    found: [...new Set(rest.flatMap(([, e]) => e.found))].sort(),
  });
  return result;
}

/**
 * The tags of a repository; none for one the catalog still lists after all its tags were
 * deleted (the distribution registry never forgets a repository name, and answers its tag
 * list with NAME_UNKNOWN), as other test runs leave behind.
 */
async function tagsOf(client: RegistryClient, repository: string): Promise<string[]> {
  try {
    return await client.tags(repository);
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return [];
    throw error;
  }
}

/**
 * Reads every image of the registry, or only the `images` named: manifests, configs (labels,
 * env, history) and each layer (gunzipped) that the engine scan did not already read, e.g. the
 * assembled datakit layers.
 */
export async function scanRegistryImages(
  client: RegistryClient,
  needles: Needle[],
  alreadyRead: Set<string>,
  images?: ReadonlyArray<{ repository: string; tag: string }>,
): Promise<ScanResult> {
  const result: ScanResult = { images: [], layers: new Set(alreadyRead) };
  const wanted =
    images ??
    (
      await Promise.all(
        (await client.catalog()).map(async (repository) =>
          (await tagsOf(client, repository)).map((tag) => ({ repository, tag })),
        ),
      )
    ).flat();
  for (const { repository, tag } of wanted) {
    const scanner = new NeedleScanner(needles);
    let bytes = 0;
    const push = (chunk: Buffer): void => {
      bytes += chunk.length;
      scanner.push(chunk);
    };
    const fetched = await client.manifest(repository, tag);
    push(Buffer.from(JSON.stringify(fetched.manifest)));
    if (!('layers' in fetched.manifest)) {
      // An index: its images are scanned through their own tags or the engine.
      result.images.push({
        image: `registry ${repository}:${tag}`,
        bytes,
        found: scanner.found(),
      });
      continue;
    }
    const configBytes = await client.blob(repository, fetched.manifest.config.digest);
    scanner.reset();
    push(configBytes);
    const diffIds =
      (JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs
        ?.diff_ids ?? [];
    for (const [i, layer] of fetched.manifest.layers.entries()) {
      const diffId = diffIds[i];
      if (diffId !== undefined && result.layers.has(diffId)) continue;
      scanner.reset();
      const blob = await client.openBlob(repository, layer.digest);
      const source = Readable.fromWeb(blob.stream as WebReadableStream);
      const plain = /gzip/.test(layer.mediaType) ? source.pipe(createGunzip()) : source;
      for await (const chunk of plain as AsyncIterable<Buffer>) push(chunk);
      if (diffId !== undefined) result.layers.add(diffId);
    }
    result.images.push({ image: `registry ${repository}:${tag}`, bytes, found: scanner.found() });
  }
  return result;
}
