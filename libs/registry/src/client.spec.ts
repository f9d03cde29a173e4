import { ConfigError, RegistryError } from '@datakit/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient } from './client.ts';
import { sha256Digest } from './digest.ts';
import { MANIFEST_ACCEPT, MediaType } from './media-types.ts';
import { freePort, startTestServer } from './_test-server.ts';
import type { Answer, SeenRequest, TestServer } from './_test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handle: (request: SeenRequest) => Answer | undefined): Promise<TestServer> {
  server = await startTestServer(handle);
  return server;
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

const config = Buffer.from(JSON.stringify({ config: { Labels: { version: '1.4.2' } } }));
const configDigest = sha256Digest(config);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: config.length },
    layers: [],
  }),
);
const manifestDigest = sha256Digest(manifest);

describe('pagination', () => {
  it('reads every page of the catalog by following Link', async () => {
    const pages: Record<string, Answer> = {
      '/v2/_catalog?n=2': {
        status: 200,
        headers: { link: '</v2/_catalog?last=b&n=2>; rel="next"' },
        body: { repositories: ['a', 'b'] },
      },
      '/v2/_catalog?last=b&n=2': {
        status: 200,
        headers: { link: '</v2/_catalog?last=d&n=2>; rel="next"' },
        body: { repositories: ['c', 'd'] },
      },
      '/v2/_catalog?last=d&n=2': { status: 200, body: { repositories: ['e'] } },
    };
    const registry = await serve((request) => pages[request.url] ?? { status: 404 });
    const client = createRegistryClient({ url: registry.url, pageSize: 2 });
    expect(await client.catalog()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(registry.requests).toHaveLength(3);
  });

  it('reads every page of tags and sorts them newest first, non-semver last', async () => {
    const registry = await serve((request) =>
      request.url === '/v2/test/app/tags/list?n=2'
        ? {
            status: 200,
            headers: { link: '</v2/test/app/tags/list?last=1.9.0&n=2>; rel="next"' },
            body: { name: 'test/app', tags: ['1.10.0', '1.9.0'] },
          }
        : { status: 200, body: { name: 'test/app', tags: ['2.0.0-rc.1', 'latest'] } },
    );
    const client = createRegistryClient({ url: registry.url, pageSize: 2 });
    expect(await client.tags('test/app')).toEqual(['2.0.0-rc.1', '1.10.0', '1.9.0', 'latest']);
  });

  it('reads a repository whose tags were all deleted as no tags', async () => {
    const registry = await serve(() => ({ status: 200, body: { name: 'a', tags: null } }));
    expect(await createRegistryClient({ url: registry.url }).tags('a')).toEqual([]);
  });
});

describe('authentication', () => {
  it('does the bearer token dance once per scope and sends the token', async () => {
    const registry = await serve((request) => {
      if (request.url.startsWith('/token')) {
        const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
        if (request.headers.authorization !== basic) return { status: 401 };
        return { status: 200, body: { token: 'tok-1', expires_in: 300 } };
      }
      if (request.headers.authorization !== 'Bearer tok-1') {
        return {
          status: 401,
          headers: {
            'www-authenticate': `Bearer realm="${registry.url}/token",service="test-registry",scope="repository:test/app:pull"`,
          },
          body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        };
      }
      return { status: 200, body: { name: 'test/app', tags: ['1.0.0'] } };
    });
    const client = createRegistryClient({
      url: registry.url,
      auth: { username: 'ci', password: 's3cret' },
    });
    expect(await client.tags('test/app')).toEqual(['1.0.0']);
    expect(await client.tags('test/app')).toEqual(['1.0.0']);
    const tokenRequests = registry.requests.filter((request) => request.url.startsWith('/token'));
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.url).toBe(
      '/token?service=test-registry&scope=repository%3Atest%2Fapp%3Apull',
    );
    // First call: 401, token, retry. Second call: the cached token straight away.
    expect(registry.requests.map((request) => request.url.split('?')[0])).toEqual([
      '/v2/test/app/tags/list',
      '/token',
      '/v2/test/app/tags/list',
      '/v2/test/app/tags/list',
    ]);
  });

  it('reports refused credentials from the token service without printing them', async () => {
    const registry = await serve((request) =>
      request.url.startsWith('/token')
        ? { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'bad login' }] } }
        : {
            status: 401,
            headers: { 'www-authenticate': `Bearer realm="${registry.url}/token"` },
          },
    );
    const client = createRegistryClient({
      url: registry.url,
      auth: { username: 'ci', password: 's3cret' },
    });
    const error = await failure(client.ping());
    expect(error.status).toBe(401);
    expect(error.message).toContain('answered 401');
    expect(error.message).toContain('UNAUTHORIZED: bad login');
    // The token service is another host: the message names the registry that sent there too.
    expect(error.message).toContain(`(for registry ${registry.url})`);
    expect(error.hint).toBe(`Check the username and password for ${registry.url}.`);
    expect(`${error.message} ${error.url} ${error.hint}`).not.toMatch(/s3cret|Y2k6czNjcmV0/);
  });

  it('answers a Basic challenge with the username and password', async () => {
    const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
    const registry = await serve((request): Answer =>
      request.headers.authorization === basic
        ? { status: 200, headers: { 'docker-distribution-api-version': 'registry/2.0' } }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="Registry Realm"' } },
    );
    const client = createRegistryClient({
      url: registry.url,
      auth: { username: 'ci', password: 's3cret' },
    });
    expect(await client.ping()).toEqual({ url: registry.url, apiVersion: 'registry/2.0' });
    await client.ping();
    expect(registry.requests).toHaveLength(3);
  });

  it('sends a static token as a bearer token', async () => {
    const registry = await serve((request) => ({
      status: request.headers.authorization === 'Bearer abc' ? 200 : 401,
    }));
    await createRegistryClient({ url: registry.url, auth: { token: 'abc' } }).ping();
    expect(registry.requests).toHaveLength(1);
  });

  it('says credentials are needed when the registry asks and none were given', async () => {
    const registry = await serve(() => ({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="r"' },
      body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
    }));
    const error = await failure(createRegistryClient({ url: registry.url }).catalog());
    expect(error.message).toBe(
      `Registry ${registry.url} answered 401 Unauthorized to GET /v2/_catalog (UNAUTHORIZED: authentication required).`,
    );
    expect(error.hint).toContain('pass auth');
    expect(error.url).toBe(`${registry.url}/v2/_catalog?n=1000`);
  });
});

describe('errors', () => {
  it('names the repository and tag of a missing manifest', async () => {
    const registry = await serve(() => ({
      status: 404,
      body: { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] },
    }));
    const error = await failure(
      createRegistryClient({ url: registry.url }).manifest('test/app', '9.9.9'),
    );
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `Manifest test/app:9.9.9 not found at ${registry.url} (MANIFEST_UNKNOWN: manifest unknown).`,
    );
    expect(error.url).toBe(`${registry.url}/v2/test/app/manifests/9.9.9`);
  });

  it('names a missing tag on a HEAD without a body', async () => {
    const registry = await serve(() => ({ status: 404 }));
    const error = await failure(createRegistryClient({ url: registry.url }).resolve('a', '1.0.0'));
    expect(error.message).toBe(
      `Manifest a:1.0.0 not found at ${registry.url} (404 for HEAD /v2/a/manifests/1.0.0).`,
    );
  });

  it('quotes the registry error JSON for other statuses', async () => {
    const registry = await serve(() => ({
      status: 500,
      body: { errors: [{ code: 'UNKNOWN', message: 'filesystem: disk full' }] },
    }));
    const error = await failure(createRegistryClient({ url: registry.url }).catalog());
    expect(error.message).toBe(
      `Registry ${registry.url} answered 500 to GET /v2/_catalog (UNKNOWN: filesystem: disk full).`,
    );
    expect(error.status).toBe(500);
  });

  it('says a registry on a closed port cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(createRegistryClient({ url }).ping());
    expect(error.message).toBe(
      `Cannot reach registry at ${url} (connection refused) for GET /v2/.`,
    );
    expect(error.status).toBeUndefined();
    expect(error.url).toBe(`${url}/v2/`);
  });

  it('gives up on a registry that does not answer within the timeout', async () => {
    const registry = await serve(() => undefined);
    const error = await failure(createRegistryClient({ url: registry.url, timeoutMs: 200 }).ping());
    expect(error.message).toContain('(no answer within 200 ms)');
  });

  it('explains a 405 on delete as deletes being disabled', async () => {
    const registry = await serve(() => ({
      status: 405,
      body: { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] },
    }));
    const error = await failure(
      createRegistryClient({ url: registry.url }).deleteManifest('a', manifestDigest),
    );
    expect(error.message).toContain('answered 405 to DELETE');
    expect(error.hint).toContain('storage.delete.enabled');
  });

  it('refuses to delete by tag', async () => {
    const client = createRegistryClient({ url: 'http://127.0.0.1:1' });
    await expect(client.deleteManifest('a', '1.0.0')).rejects.toThrow(ConfigError);
  });
});

describe('manifests', () => {
  it('asks for every manifest type and returns the verified manifest', async () => {
    const registry = await serve(() => ({
      status: 200,
      headers: { 'content-type': MediaType.OciManifest, 'docker-content-digest': manifestDigest },
      body: manifest,
    }));
    const fetched = await createRegistryClient({ url: registry.url }).manifest('a', '1.0.0');
    expect(fetched).toMatchObject({
      digest: manifestDigest,
      mediaType: MediaType.OciManifest,
      size: manifest.length,
    });
    expect(fetched.raw.equals(manifest)).toBe(true);
    expect(registry.requests[0]?.headers.accept).toBe(MANIFEST_ACCEPT.join(', '));
  });

  it('refuses a manifest whose bytes do not match Docker-Content-Digest', async () => {
    const registry = await serve(() => ({
      status: 200,
      headers: { 'content-type': MediaType.OciManifest, 'docker-content-digest': configDigest },
      body: manifest,
    }));
    const error = await failure(createRegistryClient({ url: registry.url }).manifest('a', '1'));
    expect(error.message).toContain(`does not match its digest: expected ${configDigest}`);
  });

  it('reads labels of the linux/amd64 image of an index', async () => {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          {
            mediaType: MediaType.OciManifest,
            digest: sha256Digest(Buffer.from('arm')),
            size: 3,
            platform: { os: 'linux', architecture: 'arm64' },
          },
          {
            mediaType: MediaType.OciManifest,
            digest: manifestDigest,
            size: manifest.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    const registry = await serve((request) => {
      if (request.url === '/v2/a/manifests/1.0.0') {
        return { status: 200, headers: { 'content-type': MediaType.OciIndex }, body: index };
      }
      if (request.url === `/v2/a/manifests/${manifestDigest}`) {
        return { status: 200, headers: { 'content-type': MediaType.OciManifest }, body: manifest };
      }
      if (request.url === `/v2/a/blobs/${configDigest}`) return { status: 200, body: config };
      return { status: 404 };
    });
    const labels = await createRegistryClient({ url: registry.url }).labels('a', '1.0.0');
    expect(labels).toEqual({ version: '1.4.2' });
  });

  it('returns the digest of a put manifest', async () => {
    const registry = await serve(() => ({
      status: 201,
      headers: { 'docker-content-digest': manifestDigest },
    }));
    const client = createRegistryClient({ url: registry.url });
    expect(await client.putManifest('a', '1.0.0', MediaType.OciManifest, manifest)).toBe(
      manifestDigest,
    );
    expect(registry.requests[0]?.headers['content-type']).toBe(MediaType.OciManifest);
  });
});

describe('blobs', () => {
  it('answers blobExists from HEAD: 200 true, 404 false', async () => {
    const registry = await serve((request) => ({
      status: request.url.endsWith(configDigest) ? 200 : 404,
    }));
    const client = createRegistryClient({ url: registry.url });
    expect(await client.blobExists('a', configDigest)).toBe(true);
    expect(await client.blobExists('a', manifestDigest)).toBe(false);
  });

  it('uploads bytes with POST then one PUT carrying the digest', async () => {
    const registry = await serve((request) =>
      request.method === 'POST'
        ? { status: 202, headers: { location: '/v2/a/blobs/uploads/u1?_state=secret' } }
        : { status: 201 },
    );
    await createRegistryClient({ url: registry.url }).uploadBlob('a', configDigest, config);
    const put = registry.requests[1];
    expect(put?.method).toBe('PUT');
    expect(put?.url).toBe(
      `/v2/a/blobs/uploads/u1?_state=secret&digest=${encodeURIComponent(configDigest)}`,
    );
    expect(put?.body.equals(config)).toBe(true);
  });

  it('refuses bytes that do not match the digest before sending anything', async () => {
    const client = createRegistryClient({ url: 'http://127.0.0.1:1' });
    await expect(client.uploadBlob('a', manifestDigest, config)).rejects.toThrow(ConfigError);
  });

  it('uploads a stream in PATCH chunks with Content-Range, then PUTs the digest', async () => {
    let session = 0;
    const registry = await serve((request) => {
      if (request.method === 'POST' || request.method === 'PATCH') {
        session += 1;
        return { status: 202, headers: { location: `/v2/a/blobs/uploads/u?step=${session}` } };
      }
      return { status: 201 };
    });
    const data = Buffer.from('0123456789');
    async function* pieces() {
      yield data.subarray(0, 3);
      yield data.subarray(3, 10);
    }
    const client = createRegistryClient({ url: registry.url, chunkSize: 4 });
    await client.uploadBlob('a', sha256Digest(data), pieces());
    const patches = registry.requests.filter((request) => request.method === 'PATCH');
    expect(patches.map((request) => request.headers['content-range'])).toEqual([
      '0-3',
      '4-7',
      '8-9',
    ]);
    expect(Buffer.concat(patches.map((request) => request.body)).equals(data)).toBe(true);
    expect(patches.map((request) => request.url)).toEqual([
      '/v2/a/blobs/uploads/u?step=1',
      '/v2/a/blobs/uploads/u?step=2',
      '/v2/a/blobs/uploads/u?step=3',
    ]);
    const put = registry.requests.at(-1);
    expect(put?.url).toBe(
      `/v2/a/blobs/uploads/u?step=4&digest=${encodeURIComponent(sha256Digest(data))}`,
    );
  });

  it('mounts a blob when the registry answers 201', async () => {
    const registry = await serve(() => ({ status: 201 }));
    const client = createRegistryClient({ url: registry.url });
    expect(await client.mountBlob('b', configDigest, 'a')).toBe(true);
    expect(registry.requests[0]?.url).toBe(
      `/v2/b/blobs/uploads/?mount=${encodeURIComponent(configDigest)}&from=a`,
    );
  });

  it('falls back to uploading into the session a 202 opened instead of mounting', async () => {
    const registry = await serve((request) =>
      request.method === 'POST'
        ? { status: 202, headers: { location: '/v2/b/blobs/uploads/u2' } }
        : { status: 201 },
    );
    const client = createRegistryClient({ url: registry.url });
    expect(await client.mountBlob('b', configDigest, 'a', () => config)).toBe(false);
    expect(registry.requests.map((request) => request.method)).toEqual(['POST', 'PUT']);
    expect(registry.requests[1]?.body.equals(config)).toBe(true);
  });

  it('cancels the opened session when there is no fallback', async () => {
    const registry = await serve((request) =>
      request.method === 'POST'
        ? { status: 202, headers: { location: '/v2/b/blobs/uploads/u3' } }
        : { status: 204 },
    );
    const client = createRegistryClient({ url: registry.url });
    expect(await client.mountBlob('b', configDigest, 'a')).toBe(false);
    expect(registry.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      `POST /v2/b/blobs/uploads/?mount=${encodeURIComponent(configDigest)}&from=a`,
      'DELETE /v2/b/blobs/uploads/u3',
    ]);
  });
});
