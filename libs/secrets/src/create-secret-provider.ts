import * as z from 'zod';
import { parseConfig } from './_parse-config.ts';
import { delineaProviderConfigSchema } from './providers/delinea/config.ts';
import { DelineaSecretProvider } from './providers/delinea/provider.ts';
import { envProviderConfigSchema } from './providers/env/config.ts';
import { EnvSecretProvider } from './providers/env/provider.ts';
import { fileProviderConfigSchema } from './providers/file/config.ts';
import { FileSecretProvider } from './providers/file/provider.ts';
import type { SecretProvider } from './secret-provider.ts';

/** The zod schema of any provider's configuration, told apart by `kind`. */
export const secretProviderConfigSchema = z.discriminatedUnion('kind', [
  fileProviderConfigSchema,
  envProviderConfigSchema,
  delineaProviderConfigSchema,
]);

/** Any provider's configuration as written, e.g. `{ kind: 'file', strictPermissions: true }`. */
export type SecretProviderConfig = z.input<typeof secretProviderConfigSchema>;

/** Any provider's configuration with every default applied. */
export type NormalizedSecretProviderConfig = z.output<typeof secretProviderConfigSchema>;

/**
 * Creates the provider a configuration asks for. Validates the configuration first and reports
 * every problem in it at once.
 *
 * @throws ConfigError listing each invalid field.
 */
export function createSecretProvider(config: SecretProviderConfig): SecretProvider {
  const normalized = parseConfig(
    secretProviderConfigSchema,
    config,
    'Invalid secret provider configuration:',
  );
  switch (normalized.kind) {
    case 'file':
      return new FileSecretProvider(normalized);
    case 'env':
      return new EnvSecretProvider(normalized);
    case 'delinea':
      return new DelineaSecretProvider(normalized);
    default: {
      // Unreachable while every kind has a case: the zod union above rejects unknown kinds.
      const unknown: never = normalized;
      throw new Error(`Unknown secret provider kind in ${JSON.stringify(unknown)}`);
    }
  }
}
