/**
 * Secrets for datakits and the Kerberos sidecar: references as written in warehouse.yaml
 * (`file:`, `env:`, `delinea:`), providers that read them, and a value type that never prints.
 */
export {
  createSecretProvider,
  secretProviderConfigSchema,
  type NormalizedSecretProviderConfig,
  type SecretProviderConfig,
} from './create-secret-provider.ts';
export {
  DelineaSecretProvider,
  delineaCredentialsSchema,
  delineaProviderConfigSchema,
  type DelineaCredentials,
  type DelineaProviderConfig,
  type NormalizedDelineaProviderConfig,
} from './providers/delinea/index.ts';
export {
  EnvSecretProvider,
  envProviderConfigSchema,
  type EnvProviderConfig,
  type NormalizedEnvProviderConfig,
} from './providers/env/index.ts';
export {
  FileSecretProvider,
  fileProviderConfigSchema,
  type FileProviderConfig,
  type NormalizedFileProviderConfig,
} from './providers/file/index.ts';
export { SecretError, type SecretErrorCode, type SecretErrorOptions } from './secret-error.ts';
export type { SecretProvider } from './secret-provider.ts';
export {
  SECRET_REF_KINDS,
  formatSecretRef,
  parseSecretRef,
  secretRefSchema,
  type DelineaSecretRef,
  type EnvSecretRef,
  type FileSecretRef,
  type SecretRef,
  type SecretRefKind,
} from './secret-ref.ts';
export { SecretValue } from './secret-value.ts';
