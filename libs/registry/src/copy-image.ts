import { RegistryError } from '@datakit/errors';
import type { RegistryClient } from './client.ts';
import { isIndexMediaType } from './media-types.ts';
import { validateTag } from './reference.ts';
import type { Descriptor, ImageIndex, ImageManifest } from './types.ts';

/** Where an image is copied from: a tag or digest in a repository of a registry. */
export interface CopySource {
  /** The client of the source registry. */
  client: RegistryClient;
  /** The source repository. */
  repo: string;
  /** A tag or a digest. */
  ref: string;
}

/** Where it is copied to: a tag in a repository of a (possibly the same) registry. */
export interface CopyTarget {
  /** The client of the target registry (the source's client for a copy within a registry). */
  client: RegistryClient;
  /** The target repository. */
  repo: string;
  /** The tag to put the copy under (validated against the distribution rule). */
  tag: string;
}

/** What happened to one blob. */
export interface CopiedBlob {
  /** The blob's digest. */
  digest: string;
  /** Its size from the manifest. */
  size: number;
  /**
   * `present`: the target had it; `mounted`: mounted from the source repository (same
   * registry); `uploaded`: sent; `foreign`: a non-distributable layer, left where its URLs point.
   */
  action: 'present' | 'mounted' | 'uploaded' | 'foreign';
}

/** What `copyImage` did. */
export interface CopyImageResult {
  /** The digest now behind the target tag (the source's, unchanged). */
  digest: string;
  /** Its media type. */
  mediaType: string;
  /** Blob bytes sent over the network (mounted and present blobs count 0). */
  bytesCopied: number;
  /** Every blob, once, with what was done with it. */
  blobs: CopiedBlob[];
  /** Manifests put: the top one plus every child of an index. */
  manifests: number;
}

/**
 * Copies an image between repositories or registries: every blob the target lacks (HEAD first;
 * mounted from the source repository when both are the same registry, uploaded as a stream
 * otherwise), then every child manifest of an index by digest, then the top manifest under
 * the tag, byte for byte so the digest stays the same. The tag is put last, so a failed copy
 * never leaves it pointing at a partial image.
 */
export async function copyImage(source: CopySource, target: CopyTarget): Promise<CopyImageResult> {
  validateTag(target.tag);
  const state: CopyState = { blobs: new Map(), bytesCopied: 0, manifests: 0 };
  const sameRegistry = source.client === target.client || source.client.url === target.client.url;
  const pushed = await copyManifest(source, target, source.ref, target.tag, sameRegistry, state);
  return {
    digest: pushed.digest,
    mediaType: pushed.mediaType,
    bytesCopied: state.bytesCopied,
    blobs: [...state.blobs.values()],
    manifests: state.manifests,
  };
}

interface CopyState {
  blobs: Map<string, CopiedBlob>;
  bytesCopied: number;
  manifests: number;
}

async function copyManifest(
  source: CopySource,
  target: CopyTarget,
  reference: string,
  targetReference: string,
  sameRegistry: boolean,
  state: CopyState,
): Promise<{ digest: string; mediaType: string }> {
  const fetched = await source.client.manifest(source.repo, reference);
  if (isIndexMediaType(fetched.mediaType) || 'manifests' in fetched.manifest) {
    for (const child of (fetched.manifest as ImageIndex).manifests) {
      await copyManifest(source, target, child.digest, child.digest, sameRegistry, state);
    }
  } else {
    const image = fetched.manifest as ImageManifest;
    for (const descriptor of [image.config, ...image.layers]) {
      await copyBlob(source, target, descriptor, sameRegistry, state);
    }
  }
  const digest = await target.client.putManifest(
    target.repo,
    targetReference,
    fetched.mediaType,
    fetched.raw,
  );
  if (digest !== fetched.digest && fetched.digest.startsWith('sha256:')) {
    throw new RegistryError(
      `Copying ${source.repo}@${fetched.digest} produced ${digest} in ${target.repo}.`,
      `${target.client.url}/v2/${target.repo}/manifests/${targetReference}`,
    );
  }
  state.manifests += 1;
  return { digest: fetched.digest, mediaType: fetched.mediaType };
}

async function copyBlob(
  source: CopySource,
  target: CopyTarget,
  descriptor: Descriptor,
  sameRegistry: boolean,
  state: CopyState,
): Promise<void> {
  const { digest, size } = descriptor;
  if (state.blobs.has(digest)) return;
  const record = (action: CopiedBlob['action']): void => {
    state.blobs.set(digest, { digest, size, action });
  };
  if (descriptor.urls?.length && /foreign|nondistributable/.test(descriptor.mediaType)) {
    return record('foreign');
  }
  if (await target.client.blobExists(target.repo, digest)) return record('present');
  const download = async () => (await source.client.openBlob(source.repo, digest)).stream;
  if (sameRegistry) {
    const mounted = await target.client.mountBlob(target.repo, digest, source.repo, download);
    if (mounted) return record('mounted');
    state.bytesCopied += size;
    return record('uploaded');
  }
  await target.client.uploadBlob(target.repo, digest, await download());
  state.bytesCopied += size;
  record('uploaded');
}
