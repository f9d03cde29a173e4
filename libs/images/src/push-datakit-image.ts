import { ConfigError, DatakitError } from '@datakit/errors';
import { MediaType } from '@datakit/registry';
import { LABELS, type BuiltImage } from './build-datakit-image.ts';
import type { ImageManifest } from './oci.ts';

/** The registry operations a push needs (the registry client provides them). */
export interface ImageRegistry {
  /** The manifest digest a tag points at, or undefined when the tag does not exist. */
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  blobExists(repository: string, digest: string): Promise<boolean>;
  /** Cross-repository mount; false when the registry could not mount (then upload). */
  mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean>;
  uploadBlob(repository: string, digest: string, bytes: Buffer): Promise<void>;
  putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<string>;
}

/** What a push did. */
export interface PushResult {
  reference: string;
  digest: string;
  /** `pushed`: the tag is new; `unchanged`: the tag already held this exact digest. */
  outcome: 'pushed' | 'unchanged';
  /** Blob bytes sent over the network (0 when everything was there). */
  bytesUploaded: number;
  blobs: { digest: string; size: number; action: 'present' | 'mounted' | 'uploaded' }[];
}

/** Thrown when a version exists in the registry with other content: tags are immutable. */
export class TagExistsError extends ConfigError {
  readonly existingDigest: string;
  readonly newDigest: string;
  constructor(
    reference: string,
    existingDigest: string,
    newDigest: string,
    hint = 'Bump the version in package.json and build again.',
  ) {
    super(
      `${reference} already exists with digest ${existingDigest}, not ${newDigest}. Versions are immutable: a tag never moves.`,
      { hint },
    );
    this.existingDigest = existingDigest;
    this.newDigest = newDigest;
  }
}

/**
 * Pushes an assembled image the way ko and Jib do: ask the registry first (HEAD the tag), then
 * send only blobs it lacks (mounting base layers from the base repository), and tag last, so a
 * failed push never leaves a tag pointing at a half-uploaded image.
 */
export async function pushDatakitImage(
  image: BuiltImage,
  registry: ImageRegistry,
  registryHost: string,
  options: { allowDirty?: boolean; onProgress?: (message: string) => void } = {},
): Promise<PushResult> {
  const reference = `${registryHost}/${image.repository}:${image.tag}`;
  const revision = image.config.config?.Labels?.[LABELS.revision] ?? '';
  if (revision.endsWith('-dirty') && options.allowDirty !== true) {
    // A version pushed from uncommitted sources could never be rebuilt to the same digest, and
    // its tag can never move again: refuse, as release tools do.
    throw new ConfigError(
      `${reference} was built from uncommitted changes (revision ${revision}); a version pushed now could never be rebuilt to the same digest.`,
      {
        hint: 'Commit the changes and push again, or pass --allow-dirty for a throwaway push to a scratch registry.',
      },
    );
  }
  const onProgress = options.onProgress;
  const existing = await registry.resolveTag(image.repository, image.tag);
  if (existing === image.digest) {
    return { reference, digest: image.digest, outcome: 'unchanged', bytesUploaded: 0, blobs: [] };
  }
  if (existing !== undefined) throw new TagExistsError(reference, existing, image.digest);

  // Every blob is checked (and mounted or uploaded) at once; the manifest goes last.
  const baseLayers = new Set(image.manifest.layers.slice(0, -1).map((layer) => layer.digest));
  const blobs = await Promise.all(
    [...image.manifest.layers, image.manifest.config].map(async (descriptor) => {
      const entry = { digest: descriptor.digest, size: descriptor.size };
      if (await registry.blobExists(image.repository, descriptor.digest)) {
        return { ...entry, action: 'present' as const, sent: 0 };
      }
      if (
        baseLayers.has(descriptor.digest) &&
        (await registry.mountBlob(image.repository, descriptor.digest, image.base.repository))
      ) {
        return { ...entry, action: 'mounted' as const, sent: 0 };
      }
      const bytes = blobBytes(image, descriptor.digest);
      onProgress?.(`uploading ${descriptor.digest.slice(0, 19)} (${bytes.length} bytes)`);
      await registry.uploadBlob(image.repository, descriptor.digest, bytes);
      return { ...entry, action: 'uploaded' as const, sent: bytes.length };
    }),
  );
  const bytesUploaded = blobs.reduce((sum, blob) => sum + blob.sent, 0);
  const digest = await registry.putManifest(
    image.repository,
    image.tag,
    image.manifest.mediaType ?? MediaType.DockerManifest,
    image.manifestBytes,
  );
  if (digest !== image.digest) {
    throw new DatakitError(
      `The registry stored ${reference} as ${digest}, expected ${image.digest}.`,
    );
  }
  return {
    reference,
    digest,
    outcome: 'pushed',
    bytesUploaded,
    blobs: blobs.map(({ sent: _sent, ...blob }) => blob),
  };
}

function blobBytes(image: BuiltImage, digest: string): Buffer {
  if (digest === image.layer.digest) return image.layer.gzip;
  if (digest === image.manifest.config.digest) return image.configBytes;
  throw new DatakitError(
    `Blob ${digest} of ${image.repository}:${image.tag} is a base layer that is neither in the target repository nor mountable from ${image.base.repository}.`,
    { hint: `Push ${image.base.repository}:${image.base.tag} to this registry first.` },
  );
}

/** The manifest type, exported for callers that read back what they pushed. */
export type { ImageManifest };
