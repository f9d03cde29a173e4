/**
 * `@datakit/registry`: a client of the OCI distribution API (the CNCF distribution registry,
 * and any registry that speaks the same protocol), plus image reference parsing.
 */
export { createRegistryClient } from './client.ts';
export type { PingResult, RegistryClient } from './client.ts';
export { copyImage } from './copy-image.ts';
export type { CopiedBlob, CopyImageResult, CopySource, CopyTarget } from './copy-image.ts';
export {
  REPOSITORY_PATTERN,
  TAG_PATTERN,
  formatReference,
  isValidTag,
  parseReference,
  validateDigest,
  validateRepository,
  validateTag,
} from './reference.ts';
export type { ImageReference } from './reference.ts';
export { sortTags } from './sort-tags.ts';
export { isDigest, sha256Digest, verifyDigest } from './digest.ts';
export { MANIFEST_ACCEPT, MediaType, isIndexMediaType } from './media-types.ts';
export type {
  BlobSource,
  BlobStream,
  Descriptor,
  FetchedManifest,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
  RegistryAuth,
  RegistryClientOptions,
} from './types.ts';
export { dockerConfigCredentials, dockerConfigFile } from './docker-config.ts';
export type { DockerConfigCredentialsResult } from './docker-config.ts';
