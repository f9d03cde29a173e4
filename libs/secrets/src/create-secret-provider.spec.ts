import { describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { createSecretProvider, type SecretProviderConfig } from './create-secret-provider.ts';
import { DelineaSecretProvider } from './providers/delinea/provider.ts';
import { EnvSecretProvider } from './providers/env/provider.ts';
import { FileSecretProvider } from './providers/file/provider.ts';

describe('createSecretProvider', () => {
  it('creates the provider each kind asks for', () => {
    expect(createSecretProvider({ kind: 'file' })).toBeInstanceOf(FileSecretProvider);
    expect(createSecretProvider({ kind: 'env' })).toBeInstanceOf(EnvSecretProvider);
    expect(
      createSecretProvider({
        kind: 'delinea',
        baseUrl: 'https://secrets.corp.example/SecretServer',
        credentialsFile: '/run/secrets/delinea.json',
      }),
    ).toBeInstanceOf(DelineaSecretProvider);
  });

  it('rejects an unknown kind with a ConfigError', () => {
    const config = { kind: 'vault' } as unknown as SecretProviderConfig;
    expect(() => createSecretProvider(config)).toThrow(ConfigError);
    expect(() => createSecretProvider(config)).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid secret provider configuration:
        - kind: Invalid discriminator value. Expected 'file' | 'env' | 'delinea']
    `);
  });

  it('lists every problem of a delinea configuration at once', () => {
    const config = {
      kind: 'delinea',
      baseUrl: 'ftp://secrets',
      credentialsFile: 'delinea.json',
      password: 'never here',
    } as unknown as SecretProviderConfig;
    expect(() => createSecretProvider(config)).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid secret provider configuration:
        - baseUrl: must be an http(s) URL
        - credentialsFile: must be an absolute path
        - (root): Unrecognized key: "password"]
    `);
  });
});
