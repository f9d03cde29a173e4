export { buildContextDigest, type ContextContent } from './context-digest.ts';
export {
  DockerEngine,
  SPEC_HASH_LABEL,
  specHash,
  splitRef,
  type BindMount,
  type BuildImageOptions,
  type ContainerChange,
  type ContainerState,
  type ContainerHardening,
  type ContainerSpec,
  type ContainerSummary,
  type DockerConnectOptions,
  type EnsureOutcome,
  type ImageInfo,
  type ProgressEvent,
  type RunResult,
} from './engine.ts';
