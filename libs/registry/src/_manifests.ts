import { ConfigError, RegistryError } from '@datakit/errors';
import { isDigest, sha256Digest, verifyDigest } from './digest.ts';
import { MANIFEST_ACCEPT, MediaType } from './media-types.ts';
import {
  isDigestReference,
  validateDigest,
  validateRepository,
  validateTagOrDigest,
} from './reference.ts';
import type { Transport } from './_transport.ts';
import type { FetchedManifest, ImageIndex, ImageManifest } from './types.ts';

/** `repo:tag` or `repo@digest`, as people write it. */
export function describeReference(repository: string, reference: string): string {
  return isDigestReference(reference) ? `${repository}@${reference}` : `${repository}:${reference}`;
}

/** GET a manifest with the full Accept list and check its bytes against its digest. */
export async function getManifest(
  transport: Transport,
  repository: string,
  reference: string,
): Promise<FetchedManifest> {
  validateRepository(repository);
  validateTagOrDigest(reference);
  const name = describeReference(repository, reference);
  const response = await transport.request({
    method: 'GET',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    scope: `repository:${repository}:pull`,
    expect: [200],
    subject: `Manifest ${name}`,
  });
  const raw = response.body;
  const digest = checkManifestDigest(raw, reference, response.headers, name, response.url);
  let manifest: ImageManifest | ImageIndex;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as ImageManifest | ImageIndex;
  } catch (cause) {
    throw new RegistryError(`Manifest ${name} is not JSON.`, response.url, response.status, {
      cause,
    });
  }
  const mediaType = manifestMediaType(response.headers.get('content-type'), manifest);
  if (!MANIFEST_ACCEPT.includes(mediaType)) {
    throw new RegistryError(
      `Manifest ${name} has media type ${mediaType}, which this client does not read (it reads ${MANIFEST_ACCEPT.join(', ')}).`,
      response.url,
      response.status,
    );
  }
  return { digest, mediaType, size: raw.length, manifest, raw };
}

/**
 * The digest of a manifest's bytes, after checking it against the `Docker-Content-Digest`
 * header and, when the manifest was asked for by digest, against that digest.
 */
function checkManifestDigest(
  raw: Buffer,
  reference: string,
  headers: Headers,
  name: string,
  url: string,
): string {
  const claimed = [
    headers.get('docker-content-digest'),
    isDigestReference(reference) ? reference : null,
  ];
  for (const expected of claimed) {
    if (!expected || !isDigest(expected)) continue;
    if (verifyDigest(raw, expected) === undefined) {
      throw new RegistryError(
        `Manifest ${name} does not match its digest: expected ${expected}, its bytes hash to ${sha256Digest(raw)}.`,
        url,
        200,
        { hint: 'The registry or a proxy in between altered the manifest; do not use it.' },
      );
    }
  }
  return isDigestReference(reference) ? reference : sha256Digest(raw);
}

function manifestMediaType(
  contentType: string | null,
  manifest: ImageManifest | ImageIndex,
): string {
  const header = contentType?.split(';')[0]?.trim();
  if (header && MANIFEST_ACCEPT.includes(header)) return header;
  if (typeof manifest.mediaType === 'string' && manifest.mediaType) return manifest.mediaType;
  // OCI manifests may omit mediaType; the shape tells them apart.
  if ('manifests' in manifest) return MediaType.OciIndex;
  if ('config' in manifest) return MediaType.OciManifest;
  return header ?? 'unknown';
}

/** HEAD a manifest with the full Accept list and return its digest. */
export async function resolveManifest(
  transport: Transport,
  repository: string,
  reference: string,
): Promise<string> {
  validateRepository(repository);
  validateTagOrDigest(reference);
  const response = await transport.request({
    method: 'HEAD',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    scope: `repository:${repository}:pull`,
    expect: [200],
    subject: `Manifest ${describeReference(repository, reference)}`,
  });
  const digest = response.headers.get('docker-content-digest');
  if (digest && isDigest(digest)) return digest;
  // Some registries leave the header off HEAD answers: read the manifest and hash it.
  return (await getManifest(transport, repository, reference)).digest;
}

/** PUT a manifest under a tag or digest and return its digest. */
export async function putManifest(
  transport: Transport,
  repository: string,
  reference: string,
  mediaType: string,
  bytes: Uint8Array,
): Promise<string> {
  validateRepository(repository);
  validateTagOrDigest(reference);
  const digest = sha256Digest(bytes);
  if (isDigestReference(reference) && verifyDigest(bytes, reference) === undefined) {
    throw new ConfigError(
      `Cannot put a manifest under ${describeReference(repository, reference)}: its bytes hash to ${digest}.`,
    );
  }
  const response = await transport.request({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    body: bytes,
    scope: `repository:${repository}:pull,push`,
    expect: [201, 200],
    subject: `Repository ${repository}`,
    hints: {
      400: 'The registry refused the manifest: check its media type and that every blob it references was pushed to this repository first.',
    },
  });
  const stored = response.headers.get('docker-content-digest');
  if (stored && isDigest(stored) && stored.startsWith('sha256:') && stored !== digest) {
    throw new RegistryError(
      `The registry stored the manifest for ${describeReference(repository, reference)} as ${stored}, but its bytes hash to ${digest}.`,
      response.url,
      response.status,
    );
  }
  return digest;
}

/** DELETE a manifest by digest (which removes every tag pointing at it). */
export async function deleteManifest(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<void> {
  validateRepository(repository);
  if (!isDigestReference(digest)) {
    throw new ConfigError(
      `Cannot delete ${repository}:${digest}: deleteManifest takes a digest, not a tag.`,
      {
        hint: `Resolve the tag first (resolve(repo, tag)); deleting that digest removes every tag on it.`,
      },
    );
  }
  validateDigest(digest);
  await transport.request({
    method: 'DELETE',
    url: `/v2/${repository}/manifests/${digest}`,
    scope: `repository:${repository}:delete`,
    expect: [202, 200],
    subject: `Manifest ${repository}@${digest}`,
    hints: {
      405: 'Deletes are disabled on this registry: set storage.delete.enabled: true (REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it.',
    },
  });
}
