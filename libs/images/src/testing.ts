// Test helpers of @datakit/images (`@datakit/images/testing`), not part of its API.
import { gzipSync } from 'node:zlib';
import type { TableSpec } from '@datakit/contracts';
import { LABELS } from './build-datakit-image.ts';
import { hashContracts } from './read-spec.ts';
import { MediaType, sha256Digest, type RegistryClient } from '@datakit/registry';

/** A datakit's spec as its image label carries it: contracts and the transforms between them. */
export interface TestSpec {
  contracts: TableSpec[];
  transforms: { name: string; source: string; target: string }[];
  /** The config file's JSON Schema, as the runtime's spec verb prints it. */
  config?: Record<string, unknown>;
}

/**
 * Pushes a tiny image labelled like a datakit image (contract hash and spec) under `tag`, for
 * tests of pins against a real registry without building a datakit. `salt` makes two images
 * with the same spec differ (a tag pushed again over another image); `labels` are added (e.g.
 * breaking-change notes). Returns its digest.
 */
export async function pushTestDatakitImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  spec: TestSpec,
  salt = '',
  labels: Record<string, string> = {},
): Promise<string> {
  const tar = Buffer.concat([Buffer.from(`${repository}:${tag}${salt}\n`), Buffer.alloc(1024)]);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Labels: {
          [LABELS.version]: tag,
          [LABELS.contractHash]: hashContracts(spec.contracts),
          [LABELS.spec]: JSON.stringify({ name: repository, version: tag, ...spec }),
          ...labels,
        },
      },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    }),
  );
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
  await client.uploadBlob(repository, sha256Digest(config), config);
  await client.uploadBlob(repository, sha256Digest(layer), layer);
  return client.putManifest(repository, tag, MediaType.OciManifest, manifest);
}
