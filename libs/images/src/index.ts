export {
  buildDatakitImage,
  loadImageLayout,
  registryBaseReader,
  LABELS,
  type BaseImageReader,
  type BuiltImage,
} from './build-datakit-image.ts';
export {
  BREAKING_CHANGES_FILE,
  formatBreakingChanges,
  notesBetween,
  parseBreakingChanges,
  readBreakingChanges,
  type BreakingNote,
  type BreakingNotes,
} from './breaking-changes.ts';
export { bundleDatakit, bundleEntry, type BundleResult } from './bundle-datakit.ts';
export {
  assertTag,
  platformVersion,
  readDatakitProject,
  sourceRevision,
  type DatakitProject,
  type SourceRevision,
} from './datakit-project.ts';
export { resolveImageProject, type ImageProject } from './image-project.ts';
export type { Descriptor, ImageConfig, ImageManifest } from './oci.ts';
export {
  buildPlatformImage,
  pushPlatformImage,
  readPlatformProject,
  SOURCE_DIGEST_LABEL,
  type PlatformProject,
  type PlatformRegistry,
} from './platform-image.ts';
export { hashContracts, readSpec, type DatakitSpec, type SpecResult } from './read-spec.ts';
export {
  pushDatakitImage,
  TagExistsError,
  type ImageRegistry,
  type PushResult,
} from './push-datakit-image.ts';
export {
  buildDatakitRelease,
  findReleaseCommit,
  prepareReleaseTree,
  type ReleaseTree,
} from './release-tree.ts';
export {
  parseSpecSource,
  readVersionSpec,
  releasedVersions,
  releaseTagPrefix,
  type SpecSource,
  type VersionSpec,
} from './read-version-spec.ts';
export {
  checkPendingRelease,
  checkReleaseVersion,
  isMajorBump,
  type ReleaseCheck,
} from './check-release.ts';
