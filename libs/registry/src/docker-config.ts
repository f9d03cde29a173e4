import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import type { RegistryAuth } from './types.ts';

/** Credentials found in a Docker config file, and the file they came from. */
export interface DockerConfigCredentialsResult {
  auth: RegistryAuth;
  /** The config file that held them (for messages; never their value). */
  file: string;
}

/** Where to look: `DOCKER_CONFIG` (a folder) or `~/.docker`. */
export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

interface DockerConfigEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  registrytoken?: unknown;
}

/**
 * The credentials a Docker config file (`docker login` writes one) holds for a registry host
 * such as `127.0.0.1:5001`: its `auths` entry (keys `host`, `https://host`, `http://host`,
 * with or without a path) as `auth` (base64 `user:password`), `username` + `password`, or
 * `registrytoken`. Undefined when the file or the entry does not exist. A file whose entry for
 * the host is held by a credential helper (`credsStore`, `credHelpers`), which this client does
 * not run, is a `ConfigError` saying what to use instead. Errors never carry a credential.
 */
export function dockerConfigCredentials(
  host: string,
  file: string = dockerConfigFile(),
): DockerConfigCredentialsResult | undefined {
  if (!existsSync(file)) return undefined;
  let config: {
    auths?: Record<string, DockerConfigEntry>;
    credsStore?: unknown;
    credHelpers?: Record<string, unknown>;
  };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
  } catch {
    // Not the parser's message: it may quote the file's text, credentials included.
    throw new ConfigError(`The Docker config file ${file} is not valid JSON.`, {
      hint: 'Fix or remove it (`docker login` writes it anew).',
    });
  }
  const key = Object.keys(config.auths ?? {}).find((name) => hostOfKey(name) === host);
  const entry = key === undefined ? undefined : config.auths?.[key];
  const auth = entry === undefined ? undefined : entryAuth(entry, file, host);
  if (auth !== undefined) return { auth, file };
  if (config.credHelpers?.[host] !== undefined || typeof config.credsStore === 'string') {
    throw new ConfigError(
      `The Docker config file ${file} keeps the credentials for ${host} in a credential helper, which datakit does not run.`,
      {
        hint: 'Set DATAKIT_REGISTRY_USERNAME and DATAKIT_REGISTRY_PASSWORD_REF (a file: or env: secret reference), or an auths entry in a config file named by DOCKER_CONFIG.',
      },
    );
  }
  return undefined;
}

function entryAuth(entry: DockerConfigEntry, file: string, host: string): RegistryAuth | undefined {
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '') {
    return { token: entry.registrytoken };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError(
        `The auths entry for ${host} in ${file} has an "auth" that is not base64 of user:password.`,
        { hint: `Run \`docker login ${host}\` again.` },
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** `https://127.0.0.1:5001/v1/` → `127.0.0.1:5001`. */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}
