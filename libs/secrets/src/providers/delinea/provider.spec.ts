import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { createSecretProvider } from '../../create-secret-provider.ts';
import { SecretError } from '../../secret-error.ts';
import type { SecretProvider } from '../../secret-provider.ts';
import {
  startDelineaTestServer,
  type DelineaTestServer,
  type DelineaTestServerOptions,
} from './_delinea-test-server.ts';

// A fake keytab: version bytes 0x05 0x02, then bytes that are not valid UTF-8.
const KEYTAB = Buffer.from([0x05, 0x02, 0x00, 0x00, 0x00, 0x47, 0xff, 0xfe, 0x80, 0xc3, 0x28]);
const PASSWORD = 'Sup3r-S3cret-Pa55';

const BASE: DelineaTestServerOptions = {
  username: 'svc-datakit',
  password: PASSWORD,
  secrets: {
    4712: { name: 'Someone else’s keytab', fields: [{ slug: 'keytab', value: KEYTAB }] },
    4711: {
      name: 'MSSQL keytab',
      fields: [
        { slug: 'principal', value: 'svc-datakit@CORP.EXAMPLE' },
        { slug: 'keytab', fieldName: 'Keytab', value: KEYTAB },
        { slug: 'empty-file', value: Buffer.alloc(0), attached: false },
        { slug: 'password', value: PASSWORD, isPassword: true },
      ],
    },
  },
};

let dir: string;
let servers: DelineaTestServer[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datakit-delinea-'));
  servers = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.map((server) => server.close()));
  await rm(dir, { recursive: true, force: true });
});

interface Setup {
  server: DelineaTestServer;
  provider: SecretProvider;
}

async function setup(
  options: Partial<DelineaTestServerOptions> = {},
  credentials: unknown = { username: 'svc-datakit', password: PASSWORD },
  providerOptions: { tokenRefreshMarginSeconds?: number } = {},
): Promise<Setup> {
  const server = await startDelineaTestServer({ forbiddenSecrets: [4712], ...BASE, ...options });
  servers.push(server);
  const credentialsFile = join(
    dir,
    servers.length === 1 ? 'delinea.json' : `delinea-${servers.length}.json`,
  );
  await writeFile(
    credentialsFile,
    typeof credentials === 'string' ? credentials : JSON.stringify(credentials),
    { mode: 0o600 },
  );
  const provider = createSecretProvider({
    kind: 'delinea',
    baseUrl: `${server.url}/`,
    credentialsFile,
    timeoutMs: 5_000,
    ...providerOptions,
  });
  return { server, provider };
}

/** The error `promise` rejects with; `<server>` and `<tmp>` stand for the random parts. */
async function failure(promise: Promise<unknown>, server?: DelineaTestServer): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
  const clean = (text: string): string => {
    const cleaned = text.replaceAll(dir, '<tmp>');
    return server ? cleaned.replaceAll(server.url, '<server>') : cleaned;
  };
  Object.defineProperty(error, 'message', { value: clean(error.message) });
  return error;
}

describe('DelineaSecretProvider', () => {
  it('downloads a file field byte for byte, non-UTF-8 bytes included', async () => {
    const { provider } = await setup();
    const keytab = await provider.get('delinea:4711/keytab');
    expect(keytab.reveal()).toEqual(KEYTAB);
    expect(String(keytab)).toBe('[secret delinea:4711/keytab]');
  });

  it('reads a text field as its string value', async () => {
    const { provider } = await setup();
    expect((await provider.get('delinea:4711/principal')).revealText()).toBe(
      'svc-datakit@CORP.EXAMPLE',
    );
  });

  it('follows the documented call sequence: token, secret, field', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    expect(server.requests).toEqual([
      'POST /oauth2/token',
      'GET /api/v1/secrets/4711',
      'GET /api/v1/secrets/4711/fields/keytab',
    ]);
  });

  it('reuses the token for later reads while it is valid', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    await provider.get('delinea:4711/principal');
    expect(server.tokensIssued).toBe(1);
  });

  it('shares one token request between concurrent reads', async () => {
    const { provider, server } = await setup();
    await Promise.all([
      provider.get('delinea:4711/keytab'),
      provider.get('delinea:4711/principal'),
    ]);
    expect(server.tokensIssued).toBe(1);
  });

  it('gets a new token once the cached one is within the refresh margin of expires_in', async () => {
    const { provider, server } = await setup({ tokenLifetimeSeconds: 1200 }, undefined, {
      tokenRefreshMarginSeconds: 60,
    });
    // Only Date is faked: sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await provider.get('delinea:4711/keytab');
    vi.setSystemTime(start + 1_139_000);
    await provider.get('delinea:4711/keytab');
    expect(server.tokensIssued).toBe(1);
    vi.setSystemTime(start + 1_141_000);
    await provider.get('delinea:4711/keytab');
    expect(server.tokensIssued).toBe(2);
  });

  it('reuses a token shorter-lived than the margin for half its lifetime', async () => {
    const { provider, server } = await setup({ tokenLifetimeSeconds: 30 }, undefined, {
      tokenRefreshMarginSeconds: 60,
    });
    await provider.get('delinea:4711/keytab');
    await provider.get('delinea:4711/keytab');
    expect(server.tokensIssued).toBe(1);
  });

  it('gets a new token and succeeds when the server has expired the cached one', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    server.expireTokens();
    expect((await provider.get('delinea:4711/keytab')).reveal()).toEqual(KEYTAB);
    expect(server.tokensIssued).toBe(2);
  });

  it('renews an expired token once for concurrent reads', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    server.expireTokens();
    await Promise.all([
      provider.get('delinea:4711/keytab'),
      provider.get('delinea:4711/principal'),
    ]);
    expect(server.tokensIssued).toBe(2);
  });

  it('says the token expired and renewing did not help when the new token is rejected too', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    server.rejectAllTokens = true;
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect((error as SecretError).code).toBe('unauthorized');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> rejected the access token for GET /api/v1/secrets/4711; it had expired, and the new token was rejected too."`,
    );
    expect(server.tokensIssued).toBe(2);
  });

  it('does not retry when a freshly issued token is rejected', async () => {
    const { provider, server } = await setup();
    server.rejectAllTokens = true;
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect((error as SecretError).code).toBe('unauthorized');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> rejected a freshly issued access token for GET /api/v1/secrets/4711."`,
    );
    expect(server.tokensIssued).toBe(1);
  });

  it('renews an expiring token with its refresh token, not the password', async () => {
    const { provider, server } = await setup({ tokenLifetimeSeconds: 4 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await provider.get('delinea:4711/keytab');
    // Half of a 4 s lifetime: renewed, while the server still takes the old token.
    vi.setSystemTime(start + 2_500);
    await provider.get('delinea:4711/keytab');
    expect(server.grants).toEqual(['password', 'refresh_token']);
    expect(server.requests.filter((r) => r === 'POST /oauth2/token')).toHaveLength(2);
  });

  it('logs in with the password again when the refresh token is refused', async () => {
    const { provider, server } = await setup({ tokenLifetimeSeconds: 4 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await provider.get('delinea:4711/keytab');
    server.revokeRefreshTokens();
    vi.setSystemTime(start + 2_500);
    expect((await provider.get('delinea:4711/keytab')).reveal()).toEqual(KEYTAB);
    expect(server.grants).toEqual(['password', 'password']);
  });

  it('never sends a token past its expires_in: tokens expire by time on the server', async () => {
    const { provider, server } = await setup({ tokenLifetimeSeconds: 1 }, undefined, {
      tokenRefreshMarginSeconds: 0,
    });
    await provider.get('delinea:4711/keytab');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await provider.get('delinea:4711/keytab')).reveal()).toEqual(KEYTAB);
    expect(server.grants).toEqual(['password', 'refresh_token']);
    // The expired token was not tried first: no request was answered 401.
    expect(server.requests.filter((r) => r.startsWith('GET'))).toHaveLength(4);
  });

  it('uses the refresh token of a token the server expired early', async () => {
    const { provider, server } = await setup();
    await provider.get('delinea:4711/keytab');
    server.expireTokens();
    await provider.get('delinea:4711/keytab');
    expect(server.grants).toEqual(['password', 'refresh_token']);
  });

  it('reads a password field', async () => {
    const { provider } = await setup();
    expect((await provider.get('delinea:4711/password')).revealText()).toBe(PASSWORD);
  });

  it('says the user may not read a secret the server answers 403 for', async () => {
    const { provider, server } = await setup();
    const error = await failure(provider.get('delinea:4712/keytab'), server);
    expect((error as SecretError).code).toBe('forbidden');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> refused GET /api/v1/secrets/4712: the provider's user may not read it."`,
    );
    expect((error as SecretError).hint).toContain('The server said: Access Denied');
  });

  it('refuses an HTML page answered with 200 in place of a file field', async () => {
    const { provider, server } = await setup({ htmlAt: /\/fields\// });
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect((error as SecretError).code).toBe('bad-response');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> answered GET /api/v1/secrets/4711/fields/keytab with an HTML page (text/html; charset=utf-8)."`,
    );
  });

  it('refuses an HTML page answered with 200 in place of a text field, the secret or a token', async () => {
    for (const [htmlAt, request] of [
      [/\/fields\//, 'GET /api/v1/secrets/4711/fields/principal'],
      [/^\/api\/v1\/secrets\/4711$/, 'GET /api/v1/secrets/4711'],
      [/^\/oauth2\/token$/, 'POST /oauth2/token'],
    ] as const) {
      const { provider, server } = await setup({ htmlAt });
      const error = await failure(provider.get('delinea:4711/principal'), server);
      expect((error as SecretError).code, request).toBe('bad-response');
      expect(error.message).toContain(`answered ${request} with`);
    }
  });

  it('names the secret id when the secret does not exist', async () => {
    const { provider, server } = await setup();
    const error = await failure(provider.get('delinea:999/keytab'), server);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).code).toBe('not-found');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret 999 does not exist on Secret Server at <server>."`,
    );
  });

  it('names the missing field and lists the fields that exist', async () => {
    const { provider, server } = await setup();
    const error = await failure(provider.get('delinea:4711/private-key'), server);
    expect((error as SecretError).code).toBe('field-not-found');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret 4711 has no field "private-key"; its fields are: principal, keytab, empty-file, password."`,
    );
  });

  it('says so when a file field has no file attached', async () => {
    const { provider, server } = await setup();
    const error = await failure(provider.get('delinea:4711/empty-file'), server);
    expect((error as SecretError).code).toBe('empty');
    expect(error.message).toMatchInlineSnapshot(
      `"Field "empty-file" of secret 4711 is a file field with no file attached."`,
    );
  });

  it('names the base URL when the server is down', async () => {
    const { provider, server } = await setup();
    await server.close();
    servers = [];
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect((error as SecretError).code).toBe('unreachable');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> is unreachable (ECONNREFUSED)."`,
    );
  });

  it('names the user and the credentials file, not the password, when the login is refused (400 invalid_grant)', async () => {
    const { provider, server } = await setup({}, { username: 'svc-datakit', password: 'wrong' });
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect((error as SecretError).code).toBe('unauthorized');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret Server at <server> rejected the credentials of user svc-datakit from <tmp>/delinea.json."`,
    );
    expect((error as SecretError).hint).toContain('The server said: Login failed.');
  });

  it('treats a 401 from the token endpoint as refused credentials too', async () => {
    const { provider } = await setup(
      { badCredentialsStatus: 401 },
      { username: 'someone-else', password: PASSWORD },
    );
    await expect(provider.get('delinea:4711/keytab')).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('sends the domain of an Active Directory user with the password grant', async () => {
    const { provider, server } = await setup(
      {},
      { username: 'svc-datakit', password: 'wrong', domain: 'CORP' },
    );
    const error = await failure(provider.get('delinea:4711/keytab'), server);
    expect(error.message).toContain('user CORP\\svc-datakit');
  });

  it('reports a credentials file that is not JSON without quoting its content', async () => {
    const { provider } = await setup({}, `password=${PASSWORD}`);
    const error = await failure(provider.get('delinea:4711/keytab'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatchInlineSnapshot(
      `"Delinea credentials file <tmp>/delinea.json is not valid JSON."`,
    );
    expect(error.cause).toBeUndefined();
  });

  it('lists every problem of a credentials file with the wrong shape', async () => {
    const { provider } = await setup({}, { user: 'svc-datakit', password: 42 });
    const error = await failure(provider.get('delinea:4711/keytab'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatchInlineSnapshot(`
      "Delinea credentials file <tmp>/delinea.json is invalid:
        - username: Invalid input: expected string, received undefined
        - password: Invalid input: expected string, received number
        - (root): Unrecognized key: "user""
    `);
  });

  it('names the credentials file when it is missing', async () => {
    const provider = createSecretProvider({
      kind: 'delinea',
      baseUrl: 'http://127.0.0.1:9',
      credentialsFile: join(dir, 'missing.json'),
    });
    const error = await failure(provider.get('delinea:4711/keytab'));
    expect((error as SecretError).code).toBe('missing');
    expect(error.message).toMatchInlineSnapshot(
      `"Delinea credentials file <tmp>/missing.json does not exist."`,
    );
  });

  it('never puts the password, a token or secret bytes in any error', async () => {
    const { provider, server } = await setup();
    const wrongLogin = await setup({}, { username: 'svc-datakit', password: `${PASSWORD}-x` });
    await provider.get('delinea:4711/keytab');
    server.rejectAllTokens = true;
    const errors = [
      await failure(provider.get('delinea:4711/keytab')),
      await failure(wrongLogin.provider.get('delinea:4711/keytab')),
    ];
    server.rejectAllTokens = false;
    errors.push(
      await failure(provider.get('delinea:4711/nope')),
      await failure(provider.get('delinea:1/keytab')),
    );
    const forbidden = [
      PASSWORD,
      ...server.issuedTokens,
      KEYTAB.toString('latin1'),
      KEYTAB.toString('hex'),
      KEYTAB.toString('base64'),
    ];
    for (const error of errors) {
      const everything = [
        error.message,
        (error as SecretError).hint ?? '',
        error.stack ?? '',
        inspect(error, { depth: 10, showHidden: true }),
      ].join('\n');
      for (const secret of forbidden) expect(everything).not.toContain(secret);
    }
  });

  it('refuses a reference of another kind with a ConfigError', async () => {
    const { provider } = await setup();
    await expect(provider.get('file:/run/secrets/keytab')).rejects.toBeInstanceOf(ConfigError);
  });
});
