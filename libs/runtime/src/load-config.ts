import type { CopyFormatChoice } from '@datakit/databases';
import { JOB_ENV } from '@datakit/warehouse';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { ConfigError } from '@datakit/errors';
import { formatSecretRef } from '@datakit/secrets';
import type { SecretRef } from '@datakit/secrets';
import type { Connection } from '@datakit/warehouse';
import type { z } from 'zod';

import { DEFAULT_CONFIG_PATH, ENV_OVERRIDES, runtimeConfigSchema } from './config-schema.ts';
import type { DatakitDefinition, NormalizedDatakitTable } from './define-datakit.ts';

/** Where `loadConfig` looks. */
export interface LoadConfigOptions {
  /** The `--config` flag, when given. */
  configPath: string | undefined;
  /** The process environment (for `DATAKIT_CONFIG` and the overrides). */
  env: Readonly<Record<string, string | undefined>>;
}

/** A table of the datakit as this run loads it. */
export interface ConfiguredTable extends NormalizedDatakitTable {
  /** The live schema the source table is read from. */
  sourceSchema: string;
  /** The live schema the target table is written to. */
  targetSchema: string;
}

/** The configuration with every default applied: later code never checks for `undefined`. */
export interface NormalizedRuntimeConfig {
  /** The file it came from. */
  file: string;
  source: Connection;
  target: Connection;
  rejectThreshold: number;
  rejectFloor: number;
  batchSize: number;
  /** `auto` (binary COPY where every column allows it) or `text`. */
  copyFormat: CopyFormatChoice;
  /** Tables loaded at once (at least 1, at most the number of tables). */
  concurrency: number;
  /** The tables to load, in load order, each with its effective mode and schemas. */
  tables: ConfiguredTable[];
  parameters: unknown;
}

/**
 * Reads the config file (`--config`, else `DATAKIT_CONFIG`, else /etc/datakit/config.json),
 * applies the environment overrides and validates the result. Every problem is reported at
 * once in one `ConfigError` naming the file (or variable) and the field.
 */
export function loadConfig(
  definition: DatakitDefinition,
  options: LoadConfigOptions,
): NormalizedRuntimeConfig {
  const { file, text } = readConfigText(options);
  const raw = parseConfigJson(file, text);
  const { merged, fromEnv } = applyEnvOverrides(raw, options.env);
  const result = runtimeConfigSchema(definition).safeParse(merged);
  if (!result.success) throw configProblems(file, result.error.issues, fromEnv);
  const config = result.data;
  const wanted = new Set(config.tables ?? definition.tables.map((t) => t.target.name));
  return {
    file,
    source: config.source,
    target: config.target,
    rejectThreshold: config.rejectThreshold,
    rejectFloor: config.rejectFloor,
    batchSize: config.batchSize,
    copyFormat: config.copyFormat,
    concurrency: Math.max(1, Math.min(config.concurrency ?? availableParallelism(), wanted.size)),
    tables: definition.tables
      .filter((t) => wanted.has(t.target.name))
      .map((t) => ({
        ...t,
        mode:
          (typeof config.mode === 'string' ? config.mode : config.mode?.[t.target.name]) ?? t.mode,
        sourceSchema: config.sourceSchema ?? t.source.schema,
        targetSchema: config.targetSchema ?? t.target.schema,
      })),
    parameters: config.parameters,
  };
}

interface LocatedFile {
  path: string;
  /** How the path was chosen, for messages. */
  from: string;
}

function readConfigText(options: LoadConfigOptions): { file: string; text: string } {
  const located: LocatedFile =
    options.configPath !== undefined
      ? { path: options.configPath, from: 'the --config flag' }
      : options.env[JOB_ENV.config]
        ? { path: options.env[JOB_ENV.config]!, from: JOB_ENV.config }
        : { path: DEFAULT_CONFIG_PATH, from: 'the default location' };
  try {
    return { file: located.path, text: readFileSync(located.path, 'utf8') };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? String(cause)})`;
    const looked =
      located.from === 'the default location'
        ? ` No --config flag was given and DATAKIT_CONFIG is not set, so ${DEFAULT_CONFIG_PATH} was the only place looked at.`
        : '';
    throw new ConfigError(
      `The config file ${located.path} (from ${located.from}) ${why}.${looked}`,
      {
        hint: 'Mount the config file there, or pass --config <path> or set DATAKIT_CONFIG; `spec` prints its JSON Schema.',
        cause,
      },
    );
  }
}

function parseConfigJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError(
      `The config file ${file} is not valid JSON: ${(cause as Error).message}.`,
      {
        hint: 'Fix the syntax (JSON allows no comments and no trailing commas); `spec` prints the JSON Schema of the file.',
        cause,
      },
    );
  }
}

/** Overrides file fields with environment variables; remembers which fields came from where. */
function applyEnvOverrides(
  raw: unknown,
  env: LoadConfigOptions['env'],
): { merged: unknown; fromEnv: Map<string, string> } {
  const fromEnv = new Map<string, string>();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { merged: raw, fromEnv };
  const merged: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const side of ['source', 'target']) merged[side] = passwordAsText(merged[side]);
  for (const [variable, field] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    fromEnv.set(field, variable);
    merged[field] = parseEnvValue(field, value);
  }
  return { merged, fromEnv };
}

/**
 * The deployer writes connections as `connectionSchema` parsed them, so a password may arrive
 * as a parsed reference (`{"kind": "file", "path": ...}`) instead of its text form.
 */
function passwordAsText(connection: unknown): unknown {
  if (connection === null || typeof connection !== 'object') return connection;
  const password = (connection as { password?: unknown }).password;
  if (password === null || typeof password !== 'object' || !('kind' in password)) {
    return connection;
  }
  try {
    return { ...connection, password: formatSecretRef(password as SecretRef) };
  } catch {
    return connection; // not a reference: the schema reports it
  }
}

function parseEnvValue(field: string, value: string): unknown {
  switch (field) {
    case 'rejectThreshold':
    case 'rejectFloor':
    case 'batchSize':
    case 'concurrency': {
      // Keep the text when it is not a number, so the schema reports what was given.
      const number = Number(value.trim());
      return value.trim() !== '' && Number.isFinite(number) ? number : value;
    }
    case 'tables':
      return value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    default:
      return value;
  }
}

function configProblems(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  fromEnv: Map<string, string>,
): ConfigError {
  const lines = issues.map((issue) => {
    const path = issue.path.map(String);
    const field = path.length === 0 ? '(top level)' : path.join('.');
    const variable = path[0] === undefined ? undefined : fromEnv.get(path[0]);
    const where = variable === undefined ? field : `${field} (from ${variable})`;
    return `  - ${where}: ${describeIssue(issue)}`;
  });
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ConfigError(`The config file ${file} has ${count}:\n${lines.join('\n')}`, {
    hint: 'Fix the fields above; `spec` prints the JSON Schema of the file under "config".',
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or rename ${issue.keys.length > 1 ? 'them' : 'it'}`;
  }
  return issue.message
    .replace(/^Invalid input: expected (.+), received undefined$/, 'missing (expected $1)')
    .replace(/^Invalid input: /, '');
}
