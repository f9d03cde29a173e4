import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST-ONLY STAND-IN for Delinea Secret Server, a commercial product that cannot run here.
 *
 * It answers the three REST calls `DelineaSecretProvider` makes, in the shape Delinea documents
 * (see the provider's TSDoc): `POST /oauth2/token` (password grant, form body),
 * `GET /api/v1/secrets/{id}` (JSON with `items[]`) and `GET /api/v1/secrets/{id}/fields/{slug}`
 * (file bytes as `application/octet-stream`, text as a JSON string). It listens on 127.0.0.1 on
 * a random port only. Passing tests against it prove the provider's logic, not compatibility
 * with every Secret Server version: that is what `delinea.integration.spec.ts` is for.
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
  /** Status for a wrong username or password: RFC 6749 says 400 `invalid_grant`. Default 401. */
  badCredentialsStatus?: 400 | 401;
}

/** A running stand-in. */
export interface DelineaTestServer {
  /** `http://127.0.0.1:<port>`, to use as `baseUrl`. */
  readonly url: string;
  /** How many token requests succeeded. */
  readonly tokensIssued: number;
  /** Every token handed out, so tests can check that none leaks into a message. */
  readonly issuedTokens: readonly string[];
  /** `METHOD /path` of every request, in order. */
  readonly requests: readonly string[];
  /** From now on every token issued so far answers 401, as an expired one does. */
  expireTokens(): void;
  /** While true, every bearer token (also new ones) answers 401. */
  rejectAllTokens: boolean;
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 and a random free port. */
export async function startDelineaTestServer(
  options: DelineaTestServerOptions,
): Promise<DelineaTestServer> {
  const valid = new Set<string>();
  const issued: string[] = [];
  const requests: string[] = [];
  const state = { rejectAllTokens: false };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);

    if (url.pathname === '/oauth2/token') {
      if (req.method !== 'POST') return json(res, 405, { message: 'POST only' });
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'password') {
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      if (form.get('username') !== options.username || form.get('password') !== options.password) {
        return json(res, options.badCredentialsStatus ?? 401, {
          error: 'invalid_grant',
          error_description: 'Login failed.',
        });
      }
      const token = randomBytes(24).toString('base64url');
      valid.add(token);
      issued.push(token);
      return json(res, 200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: options.tokenLifetimeSeconds ?? 1200,
      });
    }

    const match = /^\/api\/v1\/secrets\/([^/]+)(?:\/fields\/([^/]+))?$/.exec(url.pathname);
    if (!match || req.method !== 'GET') return json(res, 404, { message: 'No such endpoint.' });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !valid.has(bearer) || state.rejectAllTokens) {
      return json(res, 401, { message: 'Authentication failed or access token expired.' });
    }
    const id = Number(match[1]);
    const secret = options.secrets[id];
    if (!secret) return json(res, 404, { message: `Secret ${match[1]} not found.` });

    if (match[2] === undefined) {
      return json(res, 200, {
        id,
        name: secret.name,
        secretTemplateName: 'Kerberos keytab',
        active: true,
        items: secret.fields.map((field, index) => {
          const isFile = Buffer.isBuffer(field.value);
          return {
            itemId: 100 + index,
            fieldId: 200 + index,
            fieldName: field.fieldName ?? field.slug,
            slug: field.slug,
            isFile,
            isPassword: false,
            fileAttachmentId: isFile && field.attached !== false ? 300 + index : null,
            filename: isFile ? `${field.slug}.bin` : null,
            itemValue: isFile ? '*** Not Valid For Display ***' : field.value,
          };
        }),
      });
    }
    const field = secret.fields.find(
      (candidate) => candidate.slug === decodeURIComponent(match[2]!),
    );
    if (!field) return json(res, 404, { message: 'Field not found.' });
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
      return issued.length;
    },
    issuedTokens: issued,
    requests,
    expireTokens() {
      valid.clear();
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
