import { RegistryError } from '@datakit/errors';
import { blobExists, getBlob, mountBlob, openBlob, uploadBlob } from './_blobs.ts';
import { listAllPages } from './_listing.ts';
import {
  deleteManifest,
  describeReference,
  getManifest,
  putManifest,
  resolveManifest,
} from './_manifests.ts';
import { normalizeOptions } from './_normalize-options.ts';
import { createTransport } from './_transport.ts';
import type { Transport } from './_transport.ts';
import { isIndexMediaType } from './media-types.ts';
import { validateRepository } from './reference.ts';
import { sortTags } from './sort-tags.ts';
import type {
  BlobSource,
  BlobStream,
  RegistryClientOptions,
  FetchedManifest,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from './types.ts';

/**
 * A client of one registry over the OCI distribution API. Every method throws a
 * `RegistryError` (unreachable, 401/403, 404 naming the repository and reference, any other
 * status with the registry's own error codes, always with the URL) or a `ConfigError` for an
 * invalid repository, tag or digest. Messages never contain credentials or tokens.
 */
export interface RegistryClient {
  /** The registry's base URL, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  /** `GET /v2/`: checks that the registry answers and the credentials are accepted. */
  ping(): Promise<PingResult>;
  /** Every repository of the registry (all pages of `/v2/_catalog`), in the registry's order. */
  catalog(): Promise<string[]>;
  /**
   * Every tag of a repository (all pages of `tags/list`), newest first: semver tags in
   * descending semver order (`1.10.0`, `1.9.0`, `1.9.0-rc.1`), then non-semver tags (`latest`)
   * alphabetically. See `sortTags`.
   */
  tags(repository: string): Promise<string[]>;
  /** The manifest behind a tag or digest, with its digest verified against its bytes. */
  manifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** The digest a tag points at (HEAD with the full Accept list); a 404 `RegistryError` when absent. */
  resolve(repository: string, tag: string): Promise<string>;
  /**
   * Like `resolve`, but undefined when the tag does not exist: the question a push asks
   * before tagging (tags are immutable versions).
   */
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  /** The image config blob of an image manifest, parsed. */
  config(repository: string, manifest: FetchedManifest | ImageManifest): Promise<ImageConfig>;
  /**
   * The image config's `config.Labels` (empty when it has none). For an index, the entry for
   * `platform` (default linux/amd64) is read.
   */
  labels(
    repository: string,
    reference: string,
    platform?: Platform,
  ): Promise<Record<string, string>>;
  /** True when the repository holds the blob (`HEAD`). */
  blobExists(repository: string, digest: string): Promise<boolean>;
  /** A blob's bytes, verified against its digest. */
  blob(repository: string, digest: string): Promise<Buffer>;
  /** A blob as an unverified stream, for copying. */
  openBlob(repository: string, digest: string): Promise<BlobStream>;
  /**
   * Uploads a blob. Bytes go in one PUT (their digest checked first); a stream goes in PATCH
   * chunks of `chunkSize` and the registry checks the digest.
   */
  uploadBlob(repository: string, digest: string, source: BlobSource): Promise<void>;
  /**
   * Mounts a blob from another repository of this registry; true when mounted. When the
   * registry opens an upload instead (202), uploads `fallback()` into it when given and returns
   * false; without a fallback it returns false and the caller uploads.
   */
  mountBlob(
    repository: string,
    digest: string,
    fromRepository: string,
    fallback?: () => BlobSource | Promise<BlobSource>,
  ): Promise<boolean>;
  /** Puts a manifest under a tag (or its digest) and returns its digest. */
  putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
  ): Promise<string>;
  /**
   * Deletes a manifest by digest. This removes every tag that points at the digest, not one
   * tag. The registry must have deletes enabled (`storage.delete.enabled`); blobs stay until
   * its offline garbage collection.
   */
  deleteManifest(repository: string, digest: string): Promise<void>;
}

/** What `ping()` learned. */
export interface PingResult {
  /** The registry's base URL. */
  url: string;
  /** The `Docker-Distribution-API-Version` header (`registry/2.0`), when sent. */
  apiVersion: string | undefined;
}

/** Creates a client of one registry. Throws a `ConfigError` for a bad URL or plain HTTP. */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const normalized = normalizeOptions(options);
  const transport = createTransport(normalized);
  const { chunkSize, pageSize } = normalized;
  const client: RegistryClient = {
    url: normalized.baseUrl,
    ping: () => ping(transport),
    catalog: () =>
      listAllPages(
        transport,
        `/v2/_catalog?n=${pageSize}`,
        'repositories',
        'The catalog',
        'registry:catalog:*',
      ),
    tags: async (repository) => {
      validateRepository(repository);
      const tags = await listAllPages(
        transport,
        `/v2/${repository}/tags/list?n=${pageSize}`,
        'tags',
        `Repository ${repository}`,
        `repository:${repository}:pull`,
      );
      return sortTags(tags);
    },
    manifest: (repository, reference) => getManifest(transport, repository, reference),
    resolve: (repository, tag) => resolveManifest(transport, repository, tag),
    resolveTag: async (repository, tag) => {
      try {
        return await resolveManifest(transport, repository, tag);
      } catch (error) {
        if (error instanceof RegistryError && error.status === 404) return undefined;
        throw error;
      }
    },
    config: (repository, manifest) => readConfig(transport, repository, manifest),
    labels: (repository, reference, platform) =>
      readLabels(transport, repository, reference, platform),
    blobExists: (repository, digest) => blobExists(transport, repository, digest),
    blob: (repository, digest) => getBlob(transport, repository, digest),
    openBlob: (repository, digest) => openBlob(transport, repository, digest),
    uploadBlob: async (repository, digest, source) => {
      await uploadBlob(transport, chunkSize, repository, digest, source);
    },
    mountBlob: (repository, digest, fromRepository, fallback) =>
      mountBlob(transport, chunkSize, repository, digest, fromRepository, fallback),
    putManifest: (repository, reference, mediaType, bytes) =>
      putManifest(transport, repository, reference, mediaType, bytes),
    deleteManifest: (repository, digest) => deleteManifest(transport, repository, digest),
  };
  return client;
}

async function ping(transport: Transport): Promise<PingResult> {
  const response = await transport.request({
    method: 'GET',
    url: '/v2/',
    expect: [200],
    subject: 'The registry API (/v2/)',
  });
  return {
    url: transport.baseUrl,
    apiVersion: response.headers.get('docker-distribution-api-version') ?? undefined,
  };
}

async function readConfig(
  transport: Transport,
  repository: string,
  manifest: FetchedManifest | ImageManifest,
): Promise<ImageConfig> {
  const image = 'raw' in manifest ? manifest.manifest : manifest;
  if (!('config' in image)) {
    throw new RegistryError(
      `Cannot read the config of an index in ${repository}: pick a platform's manifest first.`,
      `${transport.baseUrl}/v2/${repository}/`,
    );
  }
  const bytes = await getBlob(transport, repository, image.config.digest);
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (cause) {
    throw new RegistryError(
      `The config blob ${image.config.digest} in ${repository} is not JSON.`,
      `${transport.baseUrl}/v2/${repository}/blobs/${image.config.digest}`,
      200,
      { cause },
    );
  }
}

const LINUX_AMD64: Platform = { os: 'linux', architecture: 'amd64' };

async function readLabels(
  transport: Transport,
  repository: string,
  reference: string,
  platform: Platform = LINUX_AMD64,
): Promise<Record<string, string>> {
  let fetched = await getManifest(transport, repository, reference);
  if (isIndexMediaType(fetched.mediaType) || 'manifests' in fetched.manifest) {
    const child = pickPlatform(fetched.manifest as ImageIndex, platform);
    if (child === undefined) {
      const available = (fetched.manifest as ImageIndex).manifests
        .map((entry) => (entry.platform ? formatPlatform(entry.platform) : 'unknown'))
        .join(', ');
      throw new RegistryError(
        `${describeReference(repository, reference)} has no ${formatPlatform(platform)} image (it has ${available || 'none'}).`,
        `${transport.baseUrl}/v2/${repository}/manifests/${reference}`,
      );
    }
    fetched = await getManifest(transport, repository, child);
  }
  const config = await readConfig(transport, repository, fetched);
  return { ...(config.config?.Labels ?? {}) };
}

function pickPlatform(index: ImageIndex, platform: Platform): string | undefined {
  const matches = index.manifests.filter(
    (entry) =>
      entry.platform?.os === platform.os &&
      entry.platform.architecture === platform.architecture &&
      (platform.variant === undefined || entry.platform.variant === platform.variant),
  );
  return matches[0]?.digest;
}

function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
