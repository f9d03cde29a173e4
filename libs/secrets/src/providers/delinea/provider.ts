import * as z from 'zod';
import { SecretError } from '../../secret-error.ts';
import { formatSecretRef, type DelineaSecretRef, type SecretRef } from '../../secret-ref.ts';
import { refForProvider, type SecretProvider } from '../../secret-provider.ts';
import { SecretValue } from '../../secret-value.ts';
import type { NormalizedDelineaProviderConfig } from './config.ts';
import { readCredentials } from './_read-credentials.ts';

/** The token endpoint's answer (RFC 6749 §5.1); only what this provider uses. */
const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
});

/** `GET /api/v1/secrets/{id}`: only the fields this provider uses; the rest is ignored. */
const secretResponseSchema = z.object({
  items: z.array(
    z.object({
      slug: z.string(),
      fieldName: z.string().optional(),
      isFile: z.boolean().optional(),
      fileAttachmentId: z.number().nullable().optional(),
    }),
  ),
});

type SecretItem = z.output<typeof secretResponseSchema>['items'][number];

/** A token for one request: whether it came from the cache, and which cache entry. */
interface CurrentToken {
  value: string;
  cached: boolean;
  source: Promise<CachedToken>;
}

interface CachedToken {
  value: string;
  /** Epoch ms after which the token is renewed instead of reused. */
  renewAt: number;
  /** The refresh token that came with it, tried before the password grant when renewing. */
  refresh: string | undefined;
}

/**
 * Reads `delinea:<secretId>/<fieldSlug>` references from Delinea (formerly Thycotic) Secret
 * Server over its REST API, logging in with the OAuth2 password grant from a mounted credentials
 * file (see {@link delineaCredentialsSchema}).
 *
 * The flow, checked against Delinea's published OpenAPI description of the REST API (the
 * `SecretsService` operations and the `RestSecretItem` model) and its Python SDK
 * (DelineaXPM/python-tss-sdk, `PasswordGrantAuthorizer` and `SecretServer.get_secret`):
 * 1. `POST {baseUrl}/oauth2/token`, form body `grant_type=password&username=...&password=...`
 *    (plus `domain=...` for AD users) → `{ access_token, token_type, expires_in, refresh_token }`.
 *    A token is renewed with `grant_type=refresh_token&refresh_token=...` when one came with it;
 *    a refused refresh (400 `invalid_grant`, e.g. the refresh token expired too) falls back to
 *    the password grant.
 * 2. `GET {baseUrl}/api/v1/secrets/{id}` with `Authorization: Bearer ...` → the secret, whose
 *    `items[]` carry `slug`, `fieldName`, `isFile` and `fileAttachmentId`. Password values are not
 *    returned here, so the value is always read in step 3.
 * 3. `GET {baseUrl}/api/v1/secrets/{id}/fields/{slug}` → for a file field the file's bytes as
 *    `application/octet-stream` (e.g. a keytab); for a text field the value as a JSON string.
 *    An HTML page (a 200 from IIS or a proxy in front of Secret Server, e.g. a login page) is
 *    an error, never taken for the field's bytes.
 *
 * The token is cached until `tokenRefreshMarginSeconds` before its `expires_in` (or half its
 * lifetime, for tokens shorter-lived than twice the margin). When the server
 * rejects a cached token (401, or 403 which the OpenAPI lists as "Authentication failed"), the
 * provider gets a new token once and retries; if that fails too, the error says so.
 *
 * Not verified against a live server here (none can run in this environment): the exact status
 * codes for bad credentials (400 `invalid_grant` per RFC 6749, or 401: both are handled) and for
 * a missing secret (404 is mapped to `not-found`; any other 4xx is `bad-response` with the
 * server's message in the hint). `delinea.integration.spec.ts` checks a real server when one is
 * configured.
 *
 * Messages name the base URL, secret id, slug and user, and never contain the password, a token
 * or secret bytes.
 */
export class DelineaSecretProvider implements SecretProvider {
  readonly kind = 'delinea';
  readonly #config: NormalizedDelineaProviderConfig;
  #token: Promise<CachedToken> | undefined;

  constructor(config: NormalizedDelineaProviderConfig) {
    this.#config = config;
  }

  async get(ref: SecretRef | string): Promise<SecretValue> {
    const delineaRef = refForProvider('delinea', ref);
    const name = formatSecretRef(delineaRef);
    const item = await this.#findField(delineaRef, name);
    const bytes = await this.#readField(delineaRef, item, name);
    return new SecretValue(name, bytes);
  }

  /** Reads the secret's metadata and returns the item whose slug the reference names. */
  async #findField(ref: DelineaSecretRef, name: string): Promise<SecretItem> {
    const path = `/api/v1/secrets/${ref.secretId}`;
    const response = await this.#authorizedGet(path, 'application/json', name);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new SecretError(
        'not-found',
        `Secret ${ref.secretId} does not exist on Secret Server at ${this.#config.baseUrl}.`,
        {
          ref: name,
          hint: "Check the id in the reference, and that the provider's user has View permission on the secret.",
        },
      );
    }
    await this.#expectOk(response, `GET ${path}`, name);
    const parsed = secretResponseSchema.safeParse(await this.#json(response, `GET ${path}`, name));
    if (!parsed.success) {
      throw this.#badResponse(`GET ${path}`, 'a secret without an items list', name);
    }
    const item = parsed.data.items.find((candidate) => candidate.slug === ref.field);
    if (!item) {
      const slugs = parsed.data.items.map((candidate) => candidate.slug);
      throw new SecretError(
        'field-not-found',
        `Secret ${ref.secretId} has no field "${ref.field}"; its fields are: ${slugs.length > 0 ? slugs.join(', ') : '(none)'}.`,
        {
          ref: name,
          hint: `Use one of these slugs, e.g. delinea:${ref.secretId}/${slugs[0] ?? 'keytab'}.`,
        },
      );
    }
    if (item.isFile === true && item.fileAttachmentId === null) {
      throw new SecretError(
        'empty',
        `Field "${ref.field}" of secret ${ref.secretId} is a file field with no file attached.`,
        { ref: name, hint: 'Attach the file (e.g. the keytab) to the secret in Secret Server.' },
      );
    }
    return item;
  }

  /** Downloads one field: raw bytes for a file, the decoded JSON string for text. */
  async #readField(ref: DelineaSecretRef, item: SecretItem, name: string): Promise<Buffer> {
    const path = `/api/v1/secrets/${ref.secretId}/fields/${encodeURIComponent(item.slug)}`;
    const accept = item.isFile === true ? 'application/octet-stream' : 'application/json';
    const response = await this.#authorizedGet(path, accept, name);
    await this.#expectOk(response, `GET ${path}`, name);
    const type = response.headers.get('content-type') ?? '';
    const isJson = type.includes('json');
    let bytes: Buffer;
    if (item.isFile === true || !isJson) {
      // Buffer.from(arrayBuffer) shares the memory, so dispose() wipes the downloaded bytes too.
      bytes = Buffer.from(await response.arrayBuffer());
      // IIS or a proxy answers 200 with an HTML page (a login or error page) where the API
      // should have answered: never hand that on as a keytab or a password.
      if (type.includes('text/html') || looksLikeHtml(bytes)) {
        bytes.fill(0);
        throw this.#badResponse(`GET ${path}`, `an HTML page (${type || 'no content type'})`, name);
      }
    } else {
      const value: unknown = await this.#json(response, `GET ${path}`, name);
      if (typeof value !== 'string') {
        throw this.#badResponse(`GET ${path}`, 'a field value that is not a string', name);
      }
      bytes = Buffer.from(value, 'utf8');
    }
    if (bytes.byteLength === 0) {
      throw new SecretError('empty', `Field "${ref.field}" of secret ${ref.secretId} is empty.`, {
        ref: name,
        hint: 'Set the field in Secret Server.',
      });
    }
    return bytes;
  }

  /**
   * A GET with the bearer token. A cached token the server rejects is replaced once; a fresh
   * token that is rejected is an `unauthorized` error.
   */
  async #authorizedGet(path: string, accept: string, name: string): Promise<Response> {
    const send = (token: string): Promise<Response> =>
      this.#fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: accept } }, name);
    let token = await this.#currentToken(name);
    let response = await send(token.value);
    let renewed = false;
    if ((response.status === 401 || response.status === 403) && token.cached) {
      await response.body?.cancel();
      // Only forget the rejected token: a concurrent read may already have renewed it.
      const rejected = await token.source;
      if (this.#token === token.source) this.#token = undefined;
      token = await this.#currentToken(name, rejected);
      response = await send(token.value);
      renewed = true;
    }
    if (response.status === 401) {
      await response.body?.cancel();
      throw new SecretError(
        'unauthorized',
        renewed
          ? `Secret Server at ${this.#config.baseUrl} rejected the access token for GET ${path}; it had expired, and the new token was rejected too.`
          : `Secret Server at ${this.#config.baseUrl} rejected a freshly issued access token for GET ${path}.`,
        {
          ref: name,
          hint: "Check that the clocks agree and that the provider's user is allowed to use the REST API.",
        },
      );
    }
    if (response.status === 403) {
      const says = await serverMessage(response);
      throw new SecretError(
        'forbidden',
        `Secret Server at ${this.#config.baseUrl} refused GET ${path}: the provider's user may not read it.`,
        {
          ref: name,
          hint: withServerMessage("Grant the provider's user View on the secret.", says),
        },
      );
    }
    return response;
  }

  /** The cached token if still valid, else a new one; concurrent callers share one request. */
  async #currentToken(name: string, rejected?: CachedToken): Promise<CurrentToken> {
    const pending = this.#token;
    let refresh = rejected?.refresh;
    if (pending) {
      const token = await pending.catch(() => undefined);
      if (token && Date.now() < token.renewAt) {
        return { value: token.value, cached: true, source: pending };
      }
      refresh ??= token?.refresh;
      if (this.#token === pending) this.#token = undefined;
    }
    this.#token ??= this.#renewToken(name, refresh);
    const requested = this.#token;
    try {
      return { value: (await requested).value, cached: false, source: requested };
    } catch (error) {
      if (this.#token === requested) this.#token = undefined;
      throw error;
    }
  }

  /** A new token: by the refresh token if there is one and the server takes it, else by password. */
  async #renewToken(name: string, refresh: string | undefined): Promise<CachedToken> {
    if (refresh !== undefined) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh });
      const started = Date.now();
      const response = await this.#postToken(form, name);
      if (response.ok) return this.#tokenFrom(response, started, name);
      // A refused refresh token (expired, revoked, already used): log in again.
      await response.body?.cancel();
    }
    return this.#requestToken(name);
  }

  /** `POST /oauth2/token` with the password grant. */
  async #requestToken(name: string): Promise<CachedToken> {
    const { baseUrl, credentialsFile } = this.#config;
    const credentials = await readCredentials(credentialsFile);
    const form = new URLSearchParams({
      grant_type: 'password',
      username: credentials.username,
      password: credentials.password,
    });
    if (credentials.domain !== undefined) form.set('domain', credentials.domain);
    const started = Date.now();
    const response = await this.#postToken(form, name);
    if (!response.ok) {
      const says = await serverMessage(response);
      if (response.status === 401 || (response.status === 400 && says.error === 'invalid_grant')) {
        const user = credentials.domain
          ? `${credentials.domain}\\${credentials.username}`
          : credentials.username;
        throw new SecretError(
          'unauthorized',
          `Secret Server at ${baseUrl} rejected the credentials of user ${user} from ${credentialsFile}.`,
          {
            ref: name,
            hint: withServerMessage(
              'Check the username and password in the credentials file, and that the user is not locked out.',
              says,
            ),
          },
        );
      }
      throw new SecretError(
        'bad-response',
        `Secret Server at ${baseUrl} answered ${response.status} to POST /oauth2/token.`,
        { ref: name, hint: withServerMessage("Check baseUrl and the server's health.", says) },
      );
    }
    return this.#tokenFrom(response, started, name);
  }

  #postToken(form: URLSearchParams, name: string): Promise<Response> {
    return this.#fetch(
      '/oauth2/token',
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form,
      },
      name,
    );
  }

  /** The token of a successful token response, and when to renew it. */
  async #tokenFrom(response: Response, started: number, name: string): Promise<CachedToken> {
    const parsed = tokenResponseSchema.safeParse(
      await this.#json(response, 'POST /oauth2/token', name),
    );
    if (!parsed.success) {
      throw this.#badResponse('POST /oauth2/token', 'no access_token with expires_in', name);
    }
    // A token shorter-lived than twice the margin is still reused for half its life.
    const margin = Math.min(this.#config.tokenRefreshMarginSeconds, parsed.data.expires_in / 2);
    const lifetimeSeconds = parsed.data.expires_in - margin;
    return {
      value: parsed.data.access_token,
      renewAt: started + lifetimeSeconds * 1000,
      refresh: parsed.data.refresh_token,
    };
  }

  /** fetch with the configured timeout; network failures become `unreachable`. */
  async #fetch(path: string, init: RequestInit, name: string): Promise<Response> {
    const { baseUrl, timeoutMs } = this.#config;
    try {
      return await fetch(`${baseUrl}${path}`, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const code = networkCode(error);
      throw new SecretError(
        'unreachable',
        timedOut
          ? `Secret Server at ${baseUrl} did not answer within ${timeoutMs} ms.`
          : `Secret Server at ${baseUrl} is unreachable${code ? ` (${code})` : ''}.`,
        {
          ref: name,
          cause: error,
          hint: 'Check baseUrl, DNS and the network path, and that Secret Server is running.',
        },
      );
    }
  }

  async #expectOk(response: Response, request: string, name: string): Promise<void> {
    if (response.ok) return;
    const says = await serverMessage(response);
    throw new SecretError(
      'bad-response',
      `Secret Server at ${this.#config.baseUrl} answered ${response.status} to ${request}.`,
      { ref: name, hint: withServerMessage("Check the reference and the server's health.", says) },
    );
  }

  async #json(response: Response, request: string, name: string): Promise<unknown> {
    const type = response.headers.get('content-type') ?? 'no content type';
    try {
      return await response.json();
    } catch {
      // Secret Server answers some errors with a 200 HTML page (e.g. a login page when baseUrl
      // lacks the application path); the body is not kept, it may be large.
      throw this.#badResponse(request, `something other than JSON (${type})`, name);
    }
  }

  #badResponse(request: string, found: string, name: string): SecretError {
    return new SecretError(
      'bad-response',
      `Secret Server at ${this.#config.baseUrl} answered ${request} with ${found}.`,
      {
        ref: name,
        hint: 'Check that baseUrl is the Secret Server application URL, e.g. https://host/SecretServer.',
      },
    );
  }
}

/** What an error body says (`error`, `error_description`, `message`), cut short. */
interface ServerMessage {
  error?: string;
  text?: string;
}

async function serverMessage(response: Response): Promise<ServerMessage> {
  try {
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) return {};
    const record = body as Record<string, unknown>;
    const pick = (key: string): string | undefined =>
      typeof record[key] === 'string' ? record[key] : undefined;
    const text = pick('error_description') ?? pick('message') ?? pick('error');
    return { error: pick('error'), text: text?.slice(0, 200) };
  } catch {
    return {};
  }
}

function withServerMessage(hint: string, says: ServerMessage): string {
  return says.text ? `${hint} The server said: ${says.text}` : hint;
}

/** Whether bytes start (after whitespace) like an HTML document. */
function looksLikeHtml(bytes: Buffer): boolean {
  const start = bytes.subarray(0, 64).toString('latin1').trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

function networkCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
