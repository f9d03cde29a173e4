export {
  fileProviderConfigSchema,
  type FileProviderConfig,
  type NormalizedFileProviderConfig,
} from './config.ts';
export { FileSecretProvider } from './provider.ts';
