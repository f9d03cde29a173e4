import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registryCa, registryCredentials } from './_registry-credentials.ts';

const host = '127.0.0.1:5001';
let dir: string;
let docker: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-credentials-'));
  const auth = Buffer.from('from-docker:docker-password').toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  docker = { DOCKER_CONFIG: dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('registryCredentials', () => {
  it('takes DATAKIT_REGISTRY_TOKEN first', async () => {
    expect(
      await registryCredentials(host, {
        ...docker,
        DATAKIT_REGISTRY_TOKEN: 't',
        DATAKIT_REGISTRY_USERNAME: 'u',
        DATAKIT_REGISTRY_PASSWORD: 'p',
      }),
    ).toEqual({ token: 't' });
  });

  it('reads the password a secret reference names, before DATAKIT_REGISTRY_PASSWORD', async () => {
    const env = {
      ...docker,
      DATAKIT_REGISTRY_USERNAME: 'u',
      DATAKIT_REGISTRY_PASSWORD_REF: 'env:MY_REGISTRY_PASSWORD',
      DATAKIT_REGISTRY_PASSWORD: 'not-this',
    };
    process.env.MY_REGISTRY_PASSWORD = 'from-ref';
    try {
      expect(await registryCredentials(host, env)).toEqual({ username: 'u', password: 'from-ref' });
    } finally {
      delete process.env.MY_REGISTRY_PASSWORD;
    }
  });

  it('falls back to the Docker config file, then to anonymous', async () => {
    expect(await registryCredentials(host, docker)).toEqual({
      username: 'from-docker',
      password: 'docker-password',
    });
    expect(await registryCredentials('other:5000', docker)).toBeUndefined();
  });

  it('refuses a username without a password', async () => {
    await expect(registryCredentials(host, { DATAKIT_REGISTRY_USERNAME: 'u' })).rejects.toThrow(
      ConfigError,
    );
  });
});

describe('registryCa', () => {
  it("reads <certs dir>/<host>/ca.crt, Docker's place for a registry's CA", () => {
    mkdirSync(join(dir, host));
    writeFileSync(join(dir, host, 'ca.crt'), 'PEM');
    expect(registryCa(host, { DATAKIT_REGISTRY_CERTS_DIR: dir })).toBe('PEM');
    expect(registryCa('127.0.0.1:5000', { DATAKIT_REGISTRY_CERTS_DIR: dir })).toBeUndefined();
  });
});
