import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { RegistryError } from '@datakit/errors';
import { localInfra } from '@datakit/local-infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient, type RegistryClient } from './client.ts';
import { copyImage } from './copy-image.ts';
import { sha256Digest } from './digest.ts';
import { MediaType } from './media-types.ts';
import {
  signRegistryToken,
  startTokenIssuer,
  tokenClaims,
  type TokenAccess,
  type TokenIssuer,
} from './_token-issuer.ts';
import type { RegistryAuth } from './types.ts';

// The two registries with authentication that `npm run infra:up` starts (same distribution
// image as :5000): TLS with a local CA and htpasswd on :5001, token auth on :5002 whose issuer
// (its realm, :5003) this file runs. The registry itself checks every credential and token.
const infra = localInfra();
const basic = infra.authRegistries.basic;
const token = infra.authRegistries.token;
const ca = readFileSync(basic.caFile);
const signer = {
  keyPem: readFileSync(token.signerKeyFile, 'utf8'),
  certPem: readFileSync(token.signerCertFile, 'utf8'),
};

let issuer: TokenIssuer | undefined;
beforeAll(async () => {
  issuer = await startTokenIssuer({
    port: token.issuerPort,
    signer,
    issuer: token.issuer,
    service: token.service,
    users: {
      datakit: { password: token.password('datakit'), actions: ['pull', 'push', 'delete'] },
      'datakit-reader': { password: token.password('datakit-reader'), actions: ['pull'] },
    },
  });
});
const pusher = (registry: { password(user: 'datakit'): string }): RegistryAuth => ({
  username: 'datakit',
  password: registry.password('datakit'),
});

const basicClient = createRegistryClient({ url: basic.url, ca, auth: pusher(basic) });
const tokenClient = createRegistryClient({ url: token.url, auth: pusher(token) });

const suffix = randomBytes(4).toString('hex');
const repo = `test/auth-${suffix}`;

/** A one-layer image unique to this run. */
function image(name: string): { blobs: [string, Buffer][]; manifest: Buffer; digest: string } {
  const layer = gzipSync(Buffer.concat([Buffer.from(`${name} ${suffix}\n`), Buffer.alloc(1024)]));
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { name } } }),
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
  return {
    blobs: [
      [sha256Digest(config), config],
      [sha256Digest(layer), layer],
    ],
    manifest,
    digest: sha256Digest(manifest),
  };
}

async function push(client: RegistryClient, repository: string, tag: string): Promise<string> {
  const built = image(`${repository}:${tag}`);
  for (const [digest, bytes] of built.blobs) await client.uploadBlob(repository, digest, bytes);
  return client.putManifest(repository, tag, MediaType.OciManifest, built.manifest);
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof RegistryError) return error;
  throw new Error(`expected a RegistryError, got ${String(error)}`);
}

/** Everything an error could show: message, hint, URL, JSON and inspect output with causes. */
function everything(error: RegistryError): string {
  return [
    error.message,
    error.hint ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 5 }),
  ].join('\n');
}

const cleanup: [RegistryClient, string, string][] = [];
afterAll(async () => {
  for (const [client, repository, digest] of cleanup) {
    await client.deleteManifest(repository, digest).catch(() => undefined);
  }
  await issuer?.close();
});

describe('TLS and htpasswd registry on 127.0.0.1:5001', () => {
  it('pushes and pulls an image over TLS verified against the local CA, with Basic credentials', async () => {
    const digest = await push(basicClient, repo, '1.0.0');
    cleanup.push([basicClient, repo, digest]);
    expect(await basicClient.resolve(repo, '1.0.0')).toBe(digest);
    const fetched = await basicClient.manifest(repo, '1.0.0');
    const layer = (fetched.manifest as { layers: { digest: string }[] }).layers[0];
    expect(sha256Digest(await basicClient.blob(repo, layer?.digest ?? ''))).toBe(layer?.digest);
  });

  it('reads credentials lazily, only when the registry asks', async () => {
    let asked = 0;
    const lazy = createRegistryClient({
      url: basic.url,
      ca,
      auth: () => {
        asked += 1;
        return Promise.resolve(pusher(basic));
      },
    });
    expect(await lazy.tags(repo)).toEqual(['1.0.0']);
    expect(await lazy.tags(repo)).toEqual(['1.0.0']);
    expect(asked).toBe(1);
  });

  it('refuses the certificate when the local CA is not trusted', async () => {
    const untrusted = createRegistryClient({ url: basic.url, auth: pusher(basic) });
    const error = await failure(untrusted.tags(repo));
    expect(error.status).toBeUndefined();
    expect(error.message).toBe(
      `Cannot reach registry at https://127.0.0.1:5001 (TLS failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE) for GET /v2/${repo}/tags/list.`,
    );
    expect(error.hint).toMatch(/^The certificate of https:\/\/127\.0\.0\.1:5001 is not trusted/);
  });

  it('says the credentials are wrong, without the password, when the registry refuses them', async () => {
    const password = `wrong-${randomBytes(12).toString('hex')}`;
    const wrong = createRegistryClient({
      url: basic.url,
      ca,
      auth: { username: 'datakit', password },
    });
    const error = await failure(wrong.tags(repo));
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `Registry https://127.0.0.1:5001 answered 401 Unauthorized to GET /v2/${repo}/tags/list (UNAUTHORIZED: authentication required).`,
    );
    expect(error.hint).toBe('Check the credentials for https://127.0.0.1:5001.');
    const shown = everything(error);
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(Buffer.from(`datakit:${password}`).toString('base64'));
  });

  it('asks for credentials when none are given', async () => {
    const anonymous = createRegistryClient({ url: basic.url, ca });
    const error = await failure(anonymous.tags(repo));
    expect(error.status).toBe(401);
    expect(error.hint).toMatch(/^This registry needs credentials/);
  });
});

describe('token-auth registry on 127.0.0.1:5002', () => {
  const pushAccess = (name: string): TokenAccess[] => [
    { type: 'repository', name, actions: ['pull', 'push'] },
  ];
  const withToken = (value: string): RegistryClient =>
    createRegistryClient({ url: token.url, auth: { token: value } });

  it('pushes and pulls with a token the issuer signed for the requested scope', async () => {
    const digest = await push(tokenClient, repo, '1.0.0');
    cleanup.push([tokenClient, repo, digest]);
    expect(await tokenClient.resolve(repo, '1.0.0')).toBe(digest);
    expect(await tokenClient.tags(repo)).toEqual(['1.0.0']);
    // The registry's challenge names the scope; the order of its actions varies.
    const granted = (issuer?.issued ?? []).map(({ sub, access }) => ({
      sub,
      access: access.map((one) => ({ ...one, actions: [...one.actions].sort() })),
    }));
    expect(granted).toContainEqual({
      sub: 'datakit',
      access: [{ type: 'repository', name: repo, actions: ['pull', 'push'] }],
    });
  });

  it('lets the pull-only user pull, and the registry refuses its push', async () => {
    const reader = createRegistryClient({
      url: token.url,
      auth: { username: 'datakit-reader', password: token.password('datakit-reader') },
    });
    expect(await reader.tags(repo)).toEqual(['1.0.0']);
    const error = await failure(push(reader, repo, '2.0.0'));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(
      /^Registry http:\/\/127\.0\.0\.1:5002 answered 401 Unauthorized to (POST|HEAD) /,
    );
    expect(await reader.resolveTag(repo, '2.0.0')).toBeUndefined();
  });

  it('refuses an expired token and accepts the same grant unexpired', async () => {
    // exp ten minutes ago: past the registry's leeway for clock skew.
    const past = Math.floor(Date.now() / 1000) - 900;
    const expired = signRegistryToken(signer, {
      ...tokenClaims(token, 'datakit', pushAccess(repo), past),
      exp: past + 300,
    });
    const error = await failure(withToken(expired).tags(repo));
    expect(error.status).toBe(401);
    const fresh = signRegistryToken(signer, tokenClaims(token, 'datakit', pushAccess(repo)));
    expect(await withToken(fresh).tags(repo)).toEqual(['1.0.0']);
  });

  it('refuses a token granted for another repository', async () => {
    const other = signRegistryToken(
      signer,
      tokenClaims(token, 'datakit', pushAccess(`${repo}-other`)),
    );
    const error = await failure(withToken(other).tags(repo));
    expect(error.status).toBe(401);
    const mine = signRegistryToken(signer, tokenClaims(token, 'datakit', pushAccess(repo)));
    expect(await withToken(mine).tags(repo)).toEqual(['1.0.0']);
  });

  it('refuses a token signed by a key the registry does not trust', async () => {
    const { generateKeyPairSync, X509Certificate } = await import('node:crypto');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // The trusted certificate in x5c, but another key's signature.
    const forged = signRegistryToken(
      {
        keyPem: stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        certPem: signer.certPem,
      },
      tokenClaims(token, 'datakit', pushAccess(repo)),
    );
    expect(new X509Certificate(signer.certPem).publicKey.equals(stranger.publicKey)).toBe(false);
    const error = await failure(withToken(forged).tags(repo));
    expect(error.status).toBe(401);
  });

  it('refuses a token for another service or from another issuer', async () => {
    for (const claims of [
      { ...tokenClaims(token, 'datakit', pushAccess(repo)), aud: 'another-registry' },
      { ...tokenClaims(token, 'datakit', pushAccess(repo)), iss: 'another-issuer' },
    ]) {
      const error = await failure(withToken(signRegistryToken(signer, claims)).tags(repo));
      expect(error.status).toBe(401);
    }
  });

  it('says the token service refused the credentials, without the password', async () => {
    const password = `wrong-${randomBytes(12).toString('hex')}`;
    const wrong = createRegistryClient({ url: token.url, auth: { username: 'datakit', password } });
    const error = await failure(wrong.tags(repo));
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `The token service at ${token.realm} (for registry ${token.url}) answered 401 when asked for repository:${repo}:pull (UNAUTHORIZED: authentication required).`,
    );
    expect(error.hint).toBe(`Check the username and password for ${token.url}.`);
    const shown = everything(error);
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(Buffer.from(`datakit:${password}`).toString('base64'));
  });
});

describe('copying between the two authenticated registries', () => {
  it('copies an image from the TLS registry to the token registry and back', async () => {
    const source = `test/auth-copy-${suffix}`;
    const digest = await push(basicClient, source, '1.0.0');
    cleanup.push([basicClient, source, digest]);

    const there = await copyImage(
      { client: basicClient, repo: source, ref: '1.0.0' },
      { client: tokenClient, repo: `${source}-copied`, tag: '1.0.0' },
    );
    cleanup.push([tokenClient, `${source}-copied`, digest]);
    expect(there.digest).toBe(digest);
    expect(there.blobs.map((blob) => blob.action)).toEqual(['uploaded', 'uploaded']);
    expect(await tokenClient.resolve(`${source}-copied`, '1.0.0')).toBe(digest);

    const back = await copyImage(
      { client: tokenClient, repo: `${source}-copied`, ref: '1.0.0' },
      { client: basicClient, repo: `${source}-back`, tag: '1.0.0' },
    );
    cleanup.push([basicClient, `${source}-back`, digest]);
    expect(back.digest).toBe(digest);
    expect(await basicClient.resolve(`${source}-back`, '1.0.0')).toBe(digest);
  });
});
