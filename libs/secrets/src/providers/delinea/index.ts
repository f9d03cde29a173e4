export {
  delineaCredentialsSchema,
  delineaProviderConfigSchema,
  type DelineaCredentials,
  type DelineaProviderConfig,
  type NormalizedDelineaProviderConfig,
} from './config.ts';
export { DelineaSecretProvider } from './provider.ts';
