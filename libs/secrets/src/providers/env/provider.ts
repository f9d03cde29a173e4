import { SecretError } from '../../secret-error.ts';
import { formatSecretRef, type SecretRef } from '../../secret-ref.ts';
import { refForProvider, type SecretProvider } from '../../secret-provider.ts';
import { SecretValue } from '../../secret-value.ts';
import type { NormalizedEnvProviderConfig } from './config.ts';

/**
 * Reads `env:` references from `process.env` at the time of `get()`, as UTF-8 bytes. A variable
 * that is unset or empty is an error naming it. The environment itself cannot be wiped:
 * prefer files for anything long-lived.
 */
export class EnvSecretProvider implements SecretProvider {
  readonly kind = 'env';

  constructor(_config: NormalizedEnvProviderConfig) {}

  async get(ref: SecretRef | string): Promise<SecretValue> {
    const envRef = refForProvider('env', ref);
    const name = formatSecretRef(envRef);
    const value = process.env[envRef.name];
    if (value === undefined) {
      throw new SecretError('missing', `Environment variable ${envRef.name} is not set.`, {
        ref: name,
        hint: `Set ${envRef.name} in the container's environment, or point the reference elsewhere.`,
      });
    }
    if (value === '') {
      throw new SecretError('empty', `Environment variable ${envRef.name} is set but empty.`, {
        ref: name,
        hint: `Give ${envRef.name} a value, or point the reference elsewhere.`,
      });
    }
    return new SecretValue(name, Buffer.from(value, 'utf8'));
  }
}
