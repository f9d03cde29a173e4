import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from './client.ts';
import { sha256Digest } from './digest.ts';

// The real registry on 127.0.0.1:5000, behind a proxy that records every request it receives,
// so the PATCH requests counted are the ones the registry got, not what the client meant to send.
const REGISTRY = { host: '127.0.0.1', port: 5000 };

interface Seen {
  method: string;
  path: string;
  contentRange: string | undefined;
  bytes: number;
}

let proxy: Server;
let proxyUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  proxy = createServer((incoming, outgoing) => {
    const entry: Seen = {
      method: incoming.method ?? '',
      path: (incoming.url ?? '').split('?')[0] ?? '',
      contentRange: incoming.headers['content-range'],
      bytes: 0,
    };
    seen.push(entry);
    incoming.on('data', (piece: Buffer) => (entry.bytes += piece.length));
    // The Host header stays the proxy's, so the registry's Location headers point back here.
    const upstream = request(
      { ...REGISTRY, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

/** A stream of `bytes` in uneven pieces, as a network or a file read would deliver them. */
function unevenStream(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  let piece = 1000;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + piece));
      offset += piece;
      piece = (piece * 7) % 65_521 || 1;
    },
  });
}

describe('chunked blob upload against the real registry', () => {
  // Random bytes do not compress: a transport or proxy that gzips cannot shrink the chunks.
  const blob = randomBytes(3 * 1024 * 1024 + 12_345);
  const digest = sha256Digest(blob);
  const repository = `test/chunked-${randomBytes(4).toString('hex')}`;

  it('uses a blob that does not compress', () => {
    expect(gzipSync(blob).length).toBeGreaterThan(blob.length);
  });

  for (const [chunkSize, patches] of [
    [1024 * 1024, 4],
    [1_000_000, 4],
    [768 * 1024, 5],
    [blob.length, 1],
    [8 * 1024 * 1024, 1],
  ] as const) {
    it(`sends ${patches} PATCH requests of at most ${chunkSize} bytes, then one PUT`, async () => {
      const client = createRegistryClient({ url: proxyUrl, chunkSize });
      seen.length = 0;
      await client.uploadBlob(`${repository}-${chunkSize}`, digest, unevenStream(blob));

      const uploads = seen.filter((entry) => entry.path.includes('/blobs/uploads/'));
      expect(uploads.map((entry) => entry.method)).toEqual([
        'POST',
        ...Array<string>(patches).fill('PATCH'),
        'PUT',
      ]);
      const ranges = uploads.filter((entry) => entry.method === 'PATCH');
      expect(ranges.map((entry) => entry.contentRange)).toEqual(
        Array.from({ length: patches }, (_, index) => {
          const start = index * chunkSize;
          return `${start}-${Math.min(start + chunkSize, blob.length) - 1}`;
        }),
      );
      expect(ranges.map((entry) => entry.bytes)).toEqual(
        Array.from({ length: patches }, (_, index) =>
          Math.min(chunkSize, blob.length - index * chunkSize),
        ),
      );
      expect((await client.blob(`${repository}-${chunkSize}`, digest)).equals(blob)).toBe(true);
    });
  }
});
