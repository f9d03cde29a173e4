export {
  envProviderConfigSchema,
  type EnvProviderConfig,
  type NormalizedEnvProviderConfig,
} from './config.ts';
export { EnvSecretProvider } from './provider.ts';
