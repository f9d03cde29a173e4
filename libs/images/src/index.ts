export {
  buildDatakitImage,
  loadImageLayout,
  LABELS,
  type BaseImageReader,
  type BuiltImage,
} from './build-datakit-image.ts';
export { bundleDatakit, bundleEntry, type BundleResult } from './bundle-datakit.ts';
export {
  assertTag,
  platformVersion,
  readDatakitProject,
  sourceRevision,
  TAG_PATTERN,
  type DatakitProject,
  type SourceRevision,
} from './datakit-project.ts';
export { resolveImageProject, type ImageProject } from './image-project.ts';
export { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest } from './oci.ts';
export { buildPlatformImage, readPlatformProject, type PlatformProject } from './platform-image.ts';
export { hashContracts, readSpec, type DatakitSpec, type SpecResult } from './read-spec.ts';
export {
  pushDatakitImage,
  TagExistsError,
  type ImageRegistry,
  type PushResult,
} from './push-datakit-image.ts';
