import { ConfigError } from '@datakit/errors';
import type { RegistryAuth, RegistryClientOptions } from './types.ts';

/** Options with every default applied. */
export interface NormalizedClientOptions {
  /** The registry origin, e.g. `http://127.0.0.1:5000` (no trailing slash). */
  baseUrl: string;
  /** Credentials, or the function that reads them on the first 401. */
  auth: RegistryAuth | (() => Promise<RegistryAuth | undefined>) | undefined;
  /** Extra trusted CAs (PEM) for this registry's TLS. */
  ca: string | undefined;
  timeoutMs: number;
  pageSize: number;
  chunkSize: number;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Checks the options and applies defaults; throws a `ConfigError` for a bad URL. */
export function normalizeOptions(options: RegistryClientOptions): NormalizedClientOptions {
  const raw = options.url.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)
    ? raw
    : `${LOOPBACK.has(hostOf(raw)) ? 'http' : 'https'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new ConfigError(`Registry URL "${raw}" is not a URL.`, {
      cause,
      hint: 'Write it as http://127.0.0.1:5000 or https://registry.example.com.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Registry URL "${url.origin}" must use http or https.`);
  }
  if (url.username || url.password) {
    // Never echo the URL here: it holds the credentials.
    throw new ConfigError('The registry URL contains credentials.', {
      hint: 'Pass them as auth: { username, password } instead of inside the URL.',
    });
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && options.insecure !== true) {
    throw new ConfigError(
      `Registry ${url.origin} uses plain HTTP; only localhost, 127.0.0.1 and ::1 may, unless insecure is set.`,
      { hint: `Use https://${url.host}, or set insecure: true for a registry without TLS.` },
    );
  }
  return {
    baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    auth: options.auth,
    ca: options.ca === undefined ? undefined : options.ca.toString(),
    timeoutMs: options.timeoutMs ?? 30_000,
    pageSize: options.pageSize ?? 1000,
    chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
  };
}

function hostOf(hostAndPort: string): string {
  const host = hostAndPort.split('/')[0] ?? '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? '';
}
