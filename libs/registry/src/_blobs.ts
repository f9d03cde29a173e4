import { ConfigError, RegistryError } from '@datakit/errors';
import { verifyDigest } from './digest.ts';
import { validateDigest, validateRepository } from './reference.ts';
import type { RegistryResponse, Transport } from './_transport.ts';
import type { BlobSource, BlobStream } from './types.ts';

const pull = (repository: string): string => `repository:${repository}:pull`;
const push = (repository: string): string => `repository:${repository}:pull,push`;

/** HEAD a blob: true when the repository has it. */
export async function blobExists(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<boolean> {
  validateRepository(repository);
  validateDigest(digest);
  const response = await transport.request({
    method: 'HEAD',
    url: `/v2/${repository}/blobs/${digest}`,
    scope: pull(repository),
    expect: [200],
    tolerate: [404],
    subject: `Blob ${digest} in ${repository}`,
  });
  return response.status === 200;
}

/** GET a blob into memory and check it against its digest. */
export async function getBlob(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<Buffer> {
  validateRepository(repository);
  validateDigest(digest);
  const response = await transport.request({
    method: 'GET',
    url: `/v2/${repository}/blobs/${digest}`,
    scope: pull(repository),
    expect: [200],
    subject: `Blob ${digest} in ${repository}`,
  });
  if (verifyDigest(response.body, digest) === undefined) {
    throw new RegistryError(
      `Blob ${digest} in ${repository} does not match its digest.`,
      response.url,
      response.status,
      { hint: 'The registry or a proxy in between altered the blob; do not use it.' },
    );
  }
  return response.body;
}

/** GET a blob as a stream (for copying between registries without holding it in memory). */
export async function openBlob(
  transport: Transport,
  repository: string,
  digest: string,
): Promise<BlobStream> {
  validateRepository(repository);
  validateDigest(digest);
  const response = await transport.request({
    method: 'GET',
    url: `/v2/${repository}/blobs/${digest}`,
    scope: pull(repository),
    expect: [200],
    subject: `Blob ${digest} in ${repository}`,
    stream: true,
  });
  const length = response.headers.get('content-length');
  const stream = response.stream ?? new Blob([response.body]).stream();
  return { size: length === null ? undefined : Number(length), stream };
}

/** Uploads a blob: POST opens a session, then one PUT (bytes) or PATCH chunks and a PUT (stream). */
export async function uploadBlob(
  transport: Transport,
  chunkSize: number,
  repository: string,
  digest: string,
  source: BlobSource,
): Promise<number> {
  validateRepository(repository);
  validateDigest(digest);
  checkBytes(repository, digest, source);
  const response = await transport.request({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scope: push(repository),
    expect: [202],
    subject: `Repository ${repository}`,
  });
  return uploadToSession(transport, chunkSize, repository, digest, source, response);
}

/**
 * Mounts a blob from another repository of the same registry. Returns true when mounted. When
 * the registry answers 202 (it opened an upload instead, e.g. the source repository lacks the
 * blob or the caller may not read it), uploads `fallback` into that session and returns false;
 * without a fallback it cancels the session and returns false, so the caller uploads.
 */
export async function mountBlob(
  transport: Transport,
  chunkSize: number,
  repository: string,
  digest: string,
  fromRepository: string,
  fallback?: () => BlobSource | Promise<BlobSource>,
): Promise<boolean> {
  validateRepository(repository);
  validateRepository(fromRepository);
  validateDigest(digest);
  const query = new URLSearchParams({ mount: digest, from: fromRepository });
  const response = await transport.request({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
    headers: { 'content-length': '0' },
    scope: `${push(repository)} ${pull(fromRepository)}`,
    expect: [201, 202],
    subject: `Repository ${repository}`,
  });
  if (response.status === 201) return true;
  if (fallback) {
    const source = await fallback();
    checkBytes(repository, digest, source);
    await uploadToSession(transport, chunkSize, repository, digest, source, response);
    return false;
  }
  await cancelSession(transport, repository, response);
  return false;
}

function checkBytes(repository: string, digest: string, source: BlobSource): void {
  // Catch a wrong digest before sending anything; a stream is checked by the registry.
  if (source instanceof Uint8Array && verifyDigest(source, digest) === undefined) {
    throw new ConfigError(
      `Cannot upload to ${repository}: the ${source.length} bytes given for ${digest} hash to something else.`,
    );
  }
}

async function uploadToSession(
  transport: Transport,
  chunkSize: number,
  repository: string,
  digest: string,
  source: BlobSource,
  opened: RegistryResponse,
): Promise<number> {
  let location = sessionLocation(opened, repository);
  const subject = `Upload of ${digest} to ${repository}`;
  if (source instanceof Uint8Array) {
    await transport.request({
      method: 'PUT',
      url: withDigest(location, digest),
      headers: { 'content-type': 'application/octet-stream' },
      body: source,
      scope: push(repository),
      expect: [201],
      subject,
    });
    return source.length;
  }
  let offset = 0;
  for await (const chunk of chunks(source, chunkSize)) {
    const response = await transport.request({
      method: 'PATCH',
      url: location,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      scope: push(repository),
      expect: [202],
      subject,
    });
    offset += chunk.length;
    location = sessionLocation(response, repository);
  }
  await transport.request({
    method: 'PUT',
    url: withDigest(location, digest),
    headers: { 'content-length': '0' },
    scope: push(repository),
    expect: [201],
    subject,
    hints: { 400: `The bytes streamed to ${repository} do not hash to ${digest}.` },
  });
  return offset;
}

async function cancelSession(
  transport: Transport,
  repository: string,
  opened: RegistryResponse,
): Promise<void> {
  try {
    await transport.request({
      method: 'DELETE',
      url: sessionLocation(opened, repository),
      scope: push(repository),
      expect: [204, 200, 202],
      tolerate: [404, 405],
      subject: `Upload session in ${repository}`,
    });
  } catch {
    // Best effort: the registry expires abandoned upload sessions on its own, and the caller's
    // upload opens a new one, so failing to cancel must not fail the operation.
  }
}

function sessionLocation(response: RegistryResponse, repository: string): string {
  const location = response.headers.get('location');
  if (!location) {
    throw new RegistryError(
      `The registry opened an upload in ${repository} without a Location header.`,
      response.url,
      response.status,
    );
  }
  return new URL(location, response.url).toString();
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** Re-cuts a stream into chunks of `size` bytes (the last one shorter). */
async function* chunks(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  // Node's web ReadableStream is async iterable, like a Node Readable.
  for await (const piece of source) {
    pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    pendingLength += piece.byteLength;
    while (pendingLength >= size) {
      const joined = Buffer.concat(pending, pendingLength);
      yield joined.subarray(0, size);
      pending = [joined.subarray(size)];
      pendingLength -= size;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength);
}
