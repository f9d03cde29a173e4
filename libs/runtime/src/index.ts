/**
 * The runtime every datakit shares: `defineDatakit` describes the tables a datakit loads,
 * `runDatakit` answers the image's verbs (`spec`, `check`, `run`) with JSON-lines events on
 * stdout, logs on stderr and documented exit codes. See README.md.
 */
export { buildSpec, DEV_VERSION } from './build-spec.ts';
export {
  configJsonSchema,
  DEFAULT_CONFIG_PATH,
  ENV_OVERRIDES,
  runtimeConfigSchema,
  tableNames,
} from './config-schema.ts';
export type { RuntimeConfig, RuntimeConfigInput } from './config-schema.ts';
export { cursorColumn, datakitTable, defineDatakit } from './define-datakit.ts';
export type {
  DatakitDefinition,
  DatakitDefinitionInput,
  DatakitTableInput,
  ExtraColumnsPolicy,
  NormalizedDatakitTable,
} from './define-datakit.ts';
export { createReporter, processIo } from './events.ts';
export type {
  CheckEvent,
  DatakitEvent,
  DatakitIo,
  ErrorEvent,
  FailureType,
  LogEvent,
  LogLevel,
  ProgressEvent,
  Reporter,
  RunTimings,
  SpecEvent,
  SummaryEvent,
  TableCounts,
  TableEvent,
  TransformSpec,
  WriteMode,
} from './events.ts';
export { loadConfig } from './load-config.ts';
export type { ConfiguredTable, LoadConfigOptions, NormalizedRuntimeConfig } from './load-config.ts';
export { parseArgs, VERBS } from './parse-args.ts';
export type { ParsedArgs, Verb } from './parse-args.ts';
export { runDatakit } from './run-datakit.ts';
export type { RunDatakitOptions } from './run-datakit.ts';
export type {
  CheckDriftInput,
  DatakitServices,
  DriftReport,
  LoadTableInput,
  LoadTableResult,
} from './services.ts';
