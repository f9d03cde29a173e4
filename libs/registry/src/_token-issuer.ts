// Test-only: a small token issuer for the distribution registry's `token` auth mode, the way a
// private registry's auth service works (Docker's token authentication specification). The
// registry itself checks what this signs: signature (the `x5c` certificate must chain to its
// rootcertbundle), issuer, audience (service), expiry and the `access` claim per request.
import { X509Certificate, createPrivateKey, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One grant of a token: `repository`, its name, and the actions allowed on it. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** The claims a registry token carries (the JWT claim set of the token specification). */
export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: TokenAccess[];
}

/** The issuer's ES256 key and its certificate (PEM), which the registry trusts. */
export interface TokenSigner {
  keyPem: string;
  certPem: string;
}

/** Signs claims as an ES256 JWT with the certificate in the `x5c` header. */
export function signRegistryToken(signer: TokenSigner, claims: TokenClaims): string {
  const cert = new X509Certificate(signer.certPem);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [cert.raw.toString('base64')] };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS wants ECDSA signatures as r||s, not DER.
  const signature = sign('sha256', Buffer.from(input), {
    key: createPrivateKey(signer.keyPem),
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** Claims for `sub` granting `access`, valid from now for `lifetimeSeconds`. */
export function tokenClaims(
  options: { issuer: string; service: string; lifetimeSeconds?: number },
  sub: string,
  access: TokenAccess[],
  now = Math.floor(Date.now() / 1000),
): TokenClaims {
  return {
    iss: options.issuer,
    sub,
    aud: options.service,
    exp: now + (options.lifetimeSeconds ?? 300),
    nbf: now - 1,
    iat: now,
    jti: randomBytes(12).toString('hex'),
    access,
  };
}

/** Options of `startTokenIssuer`. */
export interface TokenIssuerOptions {
  /** Loopback port; 0 picks a free one. */
  port: number;
  signer: TokenSigner;
  issuer: string;
  service: string;
  /** Users, their passwords, and the actions each may get on any repository. */
  users: Record<string, { password: string; actions: string[] }>;
  /** Token lifetime, default 300 s. */
  lifetimeSeconds?: number;
}

/** A running issuer: its realm URL, and the tokens it gave (who, what) for assertions. */
export interface TokenIssuer {
  realm: string;
  issued: { sub: string; access: TokenAccess[] }[];
  close(): Promise<void>;
}

/**
 * Serves `GET /token?service=…&scope=…` with Basic credentials: a known user gets a token
 * granting the requested actions it is allowed (possibly none, as a real issuer does: the
 * registry then refuses the request); wrong or missing credentials get 401.
 */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const issued: TokenIssuer['issued'] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || url.pathname !== '/token') {
      reply(404, { errors: [{ code: 'NOT_FOUND', message: 'only GET /token' }] });
      return;
    }
    if (url.searchParams.get('service') !== options.service) {
      reply(400, { errors: [{ code: 'INVALID_REQUEST', message: 'unknown service' }] });
      return;
    }
    const user = authenticate(request.headers.authorization, options.users);
    if (user === undefined) {
      response.setHeader('www-authenticate', 'Basic realm="datakit-test-issuer"');
      reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      return;
    }
    const allowed = options.users[user]?.actions ?? [];
    const access = url.searchParams
      .getAll('scope')
      .flatMap((scope) => scope.split(' '))
      .filter(Boolean)
      .map(parseScope)
      .filter((one): one is TokenAccess => one !== undefined)
      .map((one) => ({ ...one, actions: one.actions.filter((a) => allowed.includes(a)) }));
    const claims = tokenClaims(options, user, access);
    issued.push({ sub: user, access });
    const token = signRegistryToken(options.signer, claims);
    reply(200, {
      token,
      access_token: token,
      expires_in: claims.exp - claims.iat,
      issued_at: new Date(claims.iat * 1000).toISOString(),
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `repository:team/app:pull,push` → its parts; the name may hold colons (a host:port). */
function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function authenticate(
  header: string | undefined,
  users: TokenIssuerOptions['users'],
): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const name = decoded.slice(0, colon);
  const given = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(users[name]?.password ?? '');
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return colon > 0 && users[name] !== undefined && same ? name : undefined;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
