import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type * as Undici from 'undici';
import { RegistryError } from '@datakit/errors';
import type { NormalizedClientOptions } from './_normalize-options.ts';
import { parseWwwAuthenticate } from './_www-authenticate.ts';
import type { AuthChallenge } from './_www-authenticate.ts';
import type { RegistryAuth } from './types.ts';

/** One HTTP exchange with the registry, described by the operation that needs it. */
export interface RequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the registry (`/v2/...`) or an absolute URL (a `Location`, a `Link`). */
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** The token scope the request needs, e.g. `repository:a/b:pull`; undefined for `/v2/`. */
  scope?: string;
  /** Statuses that mean success. */
  expect: readonly number[];
  /** What was asked for, named in a 404 message: `Manifest test/a:1.0.0`. */
  subject: string;
  /** Return the body unread (a blob download); the caller must consume or cancel it. */
  stream?: boolean;
  /** Statuses returned to the caller instead of thrown (a HEAD answering 404). */
  tolerate?: readonly number[];
  /** A hint per status for errors the operation knows more about (405 on DELETE). */
  hints?: Readonly<Record<number, string>>;
}

/** What came back. */
export interface RegistryResponse {
  status: number;
  headers: Headers;
  /** The absolute URL that was requested (after resolving `spec.url`). */
  url: string;
  /** The body; empty for HEAD and for streamed responses. */
  body: Buffer;
  /** The unread body when `spec.stream` was set. */
  stream: ReadableStream<Uint8Array> | undefined;
}

/** Sends requests with authentication, timeouts and errors that name what failed. */
export interface Transport {
  /** The registry's base URL, e.g. `http://127.0.0.1:5000`. */
  readonly baseUrl: string;
  request(spec: RequestSpec): Promise<RegistryResponse>;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * State the transport keeps between requests: tokens per scope, whether Basic was asked for,
 * the credentials once read, and how it sends a request.
 */
interface AuthState {
  tokens: Map<string, CachedToken>;
  basic: boolean;
  /** The credentials: given, or read by the options' function on the first 401. */
  auth: Promise<RegistryAuth | undefined> | undefined;
  fetch: typeof fetch;
}

/**
 * Creates the transport of one client. Authentication follows the distribution token spec:
 * a request is sent with what is known (a cached token for its scope, Basic once the registry
 * asked for it, or the static token); a 401 with a `Bearer` challenge fetches a token from the
 * realm (with Basic credentials when there are any) and the request is retried once.
 */
export function createTransport(options: NormalizedClientOptions): Transport {
  const given = options.auth;
  const state: AuthState = {
    tokens: new Map(),
    basic: false,
    auth: typeof given === 'function' ? undefined : Promise.resolve(given),
    fetch: fetchFor(options.ca),
  };
  return {
    baseUrl: options.baseUrl,
    request: (spec) => send(options, state, spec),
  };
}

async function send(
  options: NormalizedClientOptions,
  state: AuthState,
  spec: RequestSpec,
): Promise<RegistryResponse> {
  const url = new URL(spec.url, options.baseUrl).toString();
  const sent = await authorization(options, state, spec, url);
  let response = await exchange(state, options, spec, url, sent);
  if (response.status === 401 && sameOrigin(url, options.baseUrl)) {
    const retry = await answerChallenge(options, state, spec, response, sent);
    if (retry !== undefined) {
      await discard(response);
      response = await exchange(state, options, spec, url, retry);
    }
  }
  if (spec.expect.includes(response.status) || spec.tolerate?.includes(response.status)) {
    return response;
  }
  throw statusError(options, spec, response);
}

/**
 * The fetch of this registry: Node's, or with extra trusted CAs undici's own fetch and agent
 * (Node's fetch cannot be given a CA); Node's root certificates stay trusted too.
 */
function fetchFor(ca: string | undefined): typeof fetch {
  if (ca === undefined) return (input, init) => fetch(input, init);
  // Loaded only here: its 109 modules cost every CLI command's start otherwise.
  const undici = createRequire(import.meta.url)('undici') as typeof Undici;
  const dispatcher = new undici.Agent({ connect: { ca: [...rootCertificates, ca] } });
  return (input, init) =>
    undici.fetch(input as string, {
      ...(init as Parameters<typeof undici.fetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>;
}

/** The credentials, read once (on the first 401 when the options give a function). */
function credentials(
  options: NormalizedClientOptions,
  state: AuthState,
): Promise<RegistryAuth | undefined> {
  const given = options.auth;
  state.auth ??= typeof given === 'function' ? given() : Promise.resolve(given);
  return state.auth;
}

async function authorization(
  options: NormalizedClientOptions,
  state: AuthState,
  spec: RequestSpec,
  url: string,
): Promise<string | undefined> {
  // Credentials go to the registry only, never to a host a Location or Link points at.
  if (!sameOrigin(url, options.baseUrl)) return undefined;
  const auth = await state.auth;
  if (auth && 'token' in auth) return `Bearer ${auth.token}`;
  const cached = state.tokens.get(spec.scope ?? '');
  if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
  if (state.basic && auth) return basic(auth.username, auth.password);
  return undefined;
}

async function answerChallenge(
  options: NormalizedClientOptions,
  state: AuthState,
  spec: RequestSpec,
  response: RegistryResponse,
  sent: string | undefined,
): Promise<string | undefined> {
  const auth = await credentials(options, state);
  if (auth && 'token' in auth) {
    // A static token read just now is worth one try; one the registry refused is not.
    const header = `Bearer ${auth.token}`;
    return header === sent ? undefined : header;
  }
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  if (bearer?.params['realm']) {
    const token = await fetchToken(options, state, auth, bearer, spec);
    state.tokens.set(spec.scope ?? '', token);
    if (bearer.params['scope']) state.tokens.set(bearer.params['scope'], token);
    return `Bearer ${token.token}`;
  }
  if (challenges.some((challenge) => challenge.scheme === 'basic') && auth && !state.basic) {
    state.basic = true;
    return basic(auth.username, auth.password);
  }
  return undefined;
}

async function fetchToken(
  options: NormalizedClientOptions,
  state: AuthState,
  auth: RegistryAuth | undefined,
  challenge: AuthChallenge,
  spec: RequestSpec,
): Promise<CachedToken> {
  const realm = new URL(challenge.params['realm'] ?? '', options.baseUrl);
  const service = challenge.params['service'];
  const scope = challenge.params['scope'] ?? spec.scope;
  if (service) realm.searchParams.set('service', service);
  if (scope) for (const one of scope.split(' ')) realm.searchParams.append('scope', one);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth && 'username' in auth) headers['authorization'] = basic(auth.username, auth.password);
  const tokenSpec: RequestSpec = {
    method: 'GET',
    url: realm.toString(),
    expect: [200],
    subject: `A token for ${scope ?? 'the registry'}`,
  };
  const response = await exchange(
    state,
    options,
    tokenSpec,
    tokenSpec.url,
    headers['authorization'],
  );
  if (response.status !== 200) {
    const denied = response.status === 401 || response.status === 403;
    throw new RegistryError(
      `The token service at ${realm.origin}${realm.pathname} (for registry ${options.baseUrl}) answered ${response.status} when asked for ${scope ?? 'a token'}${describeErrors(response.body)}.`,
      redact(realm.toString()),
      response.status,
      {
        hint: denied
          ? auth
            ? `Check the username and password for ${options.baseUrl}.`
            : `Registry ${options.baseUrl} needs credentials: pass auth: { username, password }.`
          : undefined,
      },
    );
  }
  const json = parseJson(response.body) as {
    token?: unknown;
    access_token?: unknown;
    expires_in?: unknown;
  };
  const token =
    typeof json?.token === 'string'
      ? json.token
      : typeof json?.access_token === 'string'
        ? json.access_token
        : undefined;
  if (token === undefined) {
    throw new RegistryError(
      `The token service at ${realm.origin}${realm.pathname} (for registry ${options.baseUrl}) answered without a token.`,
      redact(realm.toString()),
      response.status,
    );
  }
  // The token spec's default lifetime is 60 seconds; renew a little early.
  const seconds = typeof json.expires_in === 'number' ? json.expires_in : 60;
  return { token, expiresAt: Date.now() + Math.max(seconds - 5, 1) * 1000 };
}

async function exchange(
  state: AuthState,
  options: NormalizedClientOptions,
  spec: RequestSpec,
  url: string,
  authorizationHeader: string | undefined,
): Promise<RegistryResponse> {
  const headers: Record<string, string> = { ...spec.headers };
  if (authorizationHeader !== undefined) headers['authorization'] = authorizationHeader;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await state.fetch(url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
      });
    } catch (cause) {
      throw unreachable(options, spec, url, cause, controller.signal.aborted);
    }
    const streamed = spec.stream === true && response.ok && response.body !== null;
    let body = Buffer.alloc(0);
    if (!streamed) {
      try {
        body = Buffer.from(await response.arrayBuffer());
      } catch (cause) {
        throw unreachable(options, spec, url, cause, controller.signal.aborted);
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      url,
      body,
      stream: streamed ? (response.body ?? undefined) : undefined,
    };
  } finally {
    clearTimeout(timer);
  }
}

function unreachable(
  options: NormalizedClientOptions,
  spec: RequestSpec,
  url: string,
  cause: unknown,
  timedOut: boolean,
): RegistryError {
  const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : networkReason(cause);
  const target = sameOrigin(url, options.baseUrl) ? options.baseUrl : new URL(url).origin;
  return new RegistryError(
    `Cannot reach registry at ${target} (${reason}) for ${spec.method} ${new URL(url).pathname}.`,
    redact(url),
    undefined,
    {
      cause,
      hint: reason.startsWith('TLS failed')
        ? `The certificate of ${target} is not trusted or does not name it: give the client the CA that signed it (ca; the CLI reads /etc/docker/certs.d/<host>/ca.crt).`
        : `Check that the registry is running and that ${target} is right (the local one starts with npm run infra:up).`,
    },
  );
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function networkReason(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const candidates = current instanceof AggregateError ? current.errors : [current];
    for (const candidate of candidates) {
      const code = (candidate as { code?: unknown } | undefined)?.code;
      if (typeof code === 'string') {
        if (code in NETWORK_REASONS) return NETWORK_REASONS[code] ?? code;
        // OpenSSL's verify codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...) and Node's TLS codes.
        if (/CERT|SSL|TLS|VERIFY|ISSUER/.test(code)) return `TLS failed: ${code}`;
        return code;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}

function statusError(
  options: NormalizedClientOptions,
  spec: RequestSpec,
  response: RegistryResponse,
): RegistryError {
  const path = new URL(response.url).pathname;
  const details = describeErrors(response.body);
  const url = redact(response.url);
  const hint = spec.hints?.[response.status];
  switch (response.status) {
    case 401:
      return new RegistryError(
        `Registry ${options.baseUrl} answered 401 Unauthorized to ${spec.method} ${path}${details}.`,
        url,
        401,
        {
          hint:
            hint ??
            (options.auth
              ? `Check the credentials for ${options.baseUrl}.`
              : `This registry needs credentials: pass auth: { username, password } or { token }.`),
        },
      );
    case 403:
      return new RegistryError(
        `Registry ${options.baseUrl} denied ${spec.method} ${path} (403 Forbidden)${details}.`,
        url,
        403,
        {
          hint: hint ?? `The credentials are valid but lack permission for ${spec.scope ?? path}.`,
        },
      );
    case 404:
      return new RegistryError(
        `${spec.subject} not found at ${options.baseUrl}${details || ` (404 for ${spec.method} ${path})`}.`,
        url,
        404,
        { hint },
      );
    case 400:
      if (
        url.startsWith('http:') &&
        /HTTP request to an HTTPS server/i.test(response.body.toString())
      ) {
        return new RegistryError(
          `Registry ${options.baseUrl} speaks TLS, but was asked over plain HTTP (400 to ${spec.method} ${path}).`,
          url,
          400,
          {
            hint: `Use https://${new URL(options.baseUrl).host}; for a private CA give the client its certificate (ca; the CLI reads /etc/docker/certs.d/<host>/ca.crt, where a loopback host also means TLS).`,
          },
        );
      }
      return new RegistryError(
        `Registry ${options.baseUrl} answered ${response.status} to ${spec.method} ${path}${details}.`,
        url,
        response.status,
        { hint },
      );
    default:
      return new RegistryError(
        `Registry ${options.baseUrl} answered ${response.status} to ${spec.method} ${path}${details}.`,
        url,
        response.status,
        { hint },
      );
  }
}

/** `: CODE: message; CODE: message` from a distribution error body, or ''. */
function describeErrors(body: Buffer): string {
  const json = parseJson(body) as { errors?: unknown } | undefined;
  if (!json || !Array.isArray(json.errors) || json.errors.length === 0) return '';
  const parts = json.errors.map((entry: { code?: unknown; message?: unknown }) =>
    [entry.code, entry.message].filter((part) => typeof part === 'string').join(': '),
  );
  return ` (${parts.filter(Boolean).join('; ')})`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function discard(response: RegistryResponse): Promise<void> {
  await response.stream?.cancel();
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function sameOrigin(url: string, base: string): boolean {
  return new URL(url).origin === new URL(base).origin;
}

/** The URL without upload state (`_state`) so an error never carries a session secret. */
function redact(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.searchParams.delete('_state');
  return parsed.toString();
}
