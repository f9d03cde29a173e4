import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST-ONLY STAND-IN for Delinea Secret Server, a commercial product that cannot run here.
 *
 * It answers the three REST calls `DelineaSecretProvider` makes, in the shape Delinea documents
 * (see the provider's TSDoc): `POST /oauth2/token` (form body; `grant_type=password` and
 * `grant_type=refresh_token`, answering `access_token`, `token_type: bearer`, `expires_in` and a
 * `refresh_token`; wrong credentials or refresh token → 400 `{"error":"invalid_grant"}` as
 * RFC 6749 §5.2 says), `GET /api/v1/secrets/{id}` (JSON with `items[]`; password fields have
 * `isPassword: true`; a file field without a file has `fileAttachmentId` and `filename` null
 * and an empty `itemValue`) and `GET /api/v1/secrets/{id}/fields/{slug}` (file bytes as
 * `application/octet-stream`, text as a JSON string). Tokens expire by time (`expires_in` is
 * enforced, by `Date.now()`); a secret the user may not view answers 403 `API_AccessDenied`;
 * `htmlAt` answers chosen paths with a 200 HTML page, as IIS or a misconfigured proxy does. It
 * listens on 127.0.0.1 on a random port only. Passing tests against it prove the provider's
 * logic, not compatibility with every Secret Server version: that is what
 * `delinea.integration.spec.ts` is for.
 */

/** One field of a test secret. */
export interface TestSecretField {
  slug: string;
  /** Display name; defaults to the slug. */
  fieldName?: string;
  /** Bytes make a file field, a string a text field. */
  value: Buffer | string;
  /** For a file field: false makes it a file field with nothing attached. Default true. */
  attached?: boolean;
  /** A password field (`isPassword: true`; its value is text). */
  isPassword?: boolean;
}

/** How the stand-in behaves. */
export interface DelineaTestServerOptions {
  /** The one user that may log in. */
  username: string;
  password: string;
  /** Secrets by id. */
  secrets: Record<number, { name: string; fields: TestSecretField[] }>;
  /** `expires_in` of issued tokens. Default 1200 (Secret Server's default is 20 minutes). */
  tokenLifetimeSeconds?: number;
  /** Status for a wrong username or password: RFC 6749 says 400 `invalid_grant` (the default). */
  badCredentialsStatus?: 400 | 401;
  /** Secret ids the user may not view: 403. */
  forbiddenSecrets?: number[];
  /** Paths answered with status 200 and an HTML page (IIS or a proxy in front of the API). */
  htmlAt?: RegExp;
}

/** A running stand-in. */
export interface DelineaTestServer {
  /** `http://127.0.0.1:<port>`, to use as `baseUrl`. */
  readonly url: string;
  /** How many token requests succeeded. */
  readonly tokensIssued: number;
  /** The grant_type of every successful token request, in order. */
  readonly grants: readonly string[];
  /** Every access and refresh token handed out, so tests can check that none leaks. */
  readonly issuedTokens: readonly string[];
  /** `METHOD /path` of every request, in order. */
  readonly requests: readonly string[];
  /** From now on every token issued so far answers 401, as an expired one does. */
  expireTokens(): void;
  /** From now on every refresh token issued so far is refused (400 `invalid_grant`). */
  revokeRefreshTokens(): void;
  /** While true, every bearer token (also new ones) answers 401. */
  rejectAllTokens: boolean;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 and a random free port. */
export async function startDelineaTestServer(
  options: DelineaTestServerOptions,
): Promise<DelineaTestServer> {
  /** Access tokens and refresh tokens, with the epoch ms they expire at. */
  const valid = new Map<string, number>();
  const refreshTokens = new Set<string>();
  const issued: string[] = [];
  const grants: string[] = [];
  const requests: string[] = [];
  const state = { rejectAllTokens: false };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    if (options.htmlAt?.test(url.pathname)) {
      await readBody(req);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html><html><head><title>Login - Secret Server</title></head><body><form>Sign in</form></body></html>',
      );
      return;
    }

    if (url.pathname === '/oauth2/token') {
      if (req.method !== 'POST') return json(res, 405, { message: 'POST only' });
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const form = new URLSearchParams(await readBody(req));
      const grant = form.get('grant_type');
      if (grant === 'refresh_token') {
        const refresh = form.get('refresh_token') ?? '';
        if (!refreshTokens.delete(refresh)) {
          return json(res, 400, {
            error: 'invalid_grant',
            error_description: 'Invalid refresh token.',
          });
        }
      } else if (grant === 'password') {
        if (
          form.get('username') !== options.username ||
          form.get('password') !== options.password
        ) {
          return json(res, options.badCredentialsStatus ?? 400, {
            error: 'invalid_grant',
            error_description: 'Login failed.',
          });
        }
      } else {
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      const lifetime = options.tokenLifetimeSeconds ?? 1200;
      const token = randomBytes(24).toString('base64url');
      const refresh = randomBytes(24).toString('base64url');
      valid.set(token, Date.now() + lifetime * 1000);
      refreshTokens.add(refresh);
      issued.push(token, refresh);
      grants.push(grant);
      return json(res, 200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: lifetime,
        refresh_token: refresh,
      });
    }

    const match = /^\/api\/v1\/secrets\/([^/]+)(?:\/fields\/([^/]+))?$/.exec(url.pathname);
    if (!match || req.method !== 'GET') return json(res, 404, { message: 'No such endpoint.' });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : valid.get(bearer);
    if (expiresAt === undefined || Date.now() >= expiresAt || state.rejectAllTokens) {
      return json(res, 401, { message: 'Authentication failed or access token expired.' });
    }
    const id = Number(match[1]);
    const secret = options.secrets[id];
    if (!secret) return json(res, 404, { message: `Secret ${match[1]} not found.` });
    if (options.forbiddenSecrets?.includes(id)) {
      return json(res, 403, {
        errorCode: 'API_AccessDenied',
        message: 'Access Denied',
      });
    }

    if (match[2] === undefined) {
      return json(res, 200, {
        id,
        name: secret.name,
        secretTemplateName: 'Kerberos keytab',
        active: true,
        items: secret.fields.map((field, index) => {
          const isFile = Buffer.isBuffer(field.value);
          const attached = isFile && field.attached !== false;
          return {
            itemId: 100 + index,
            fieldId: 200 + index,
            fieldName: field.fieldName ?? field.slug,
            slug: field.slug,
            fieldDescription: '',
            isFile,
            isNotes: false,
            isPassword: field.isPassword === true,
            isList: false,
            listType: 'None',
            fileAttachmentId: attached ? 300 + index : null,
            filename: attached ? `${field.slug}.bin` : null,
            itemValue: attached ? '*** Not Valid For Display ***' : isFile ? '' : field.value,
          };
        }),
      });
    }
    const field = secret.fields.find(
      (candidate) => candidate.slug === decodeURIComponent(match[2]!),
    );
    if (!field) return json(res, 404, { message: 'Field not found.' });
    if (Buffer.isBuffer(field.value) && field.attached === false) {
      return json(res, 400, { errorCode: 'API_FileNotFound', message: 'No file attached.' });
    }
    if (Buffer.isBuffer(field.value)) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(field.value);
      return;
    }
    return json(res, 200, field.value);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get tokensIssued() {
      return grants.length;
    },
    grants,
    issuedTokens: issued,
    requests,
    expireTokens() {
      valid.clear();
    },
    revokeRefreshTokens() {
      refreshTokens.clear();
    },
    get rejectAllTokens() {
      return state.rejectAllTokens;
    },
    set rejectAllTokens(value: boolean) {
      state.rejectAllTokens = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
