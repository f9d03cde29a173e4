import { writeModeRefusal } from '@datakit/contracts';
import { CONTAINER_PATHS, connectionSchema, type DatakitJobConfig } from '@datakit/warehouse';
import * as z from 'zod';

import type { DatakitDefinition } from './define-datakit.ts';

/** The default place of the config file inside a datakit container: the job contract's. */
export const DEFAULT_CONFIG_PATH = CONTAINER_PATHS.configFile;

/**
 * The environment variables that override a config file field. Documented in README.md; a
 * value from one of them is reported under its variable name when it is invalid.
 */
export const ENV_OVERRIDES = {
  DATAKIT_MODE: 'mode',
  DATAKIT_REJECT_THRESHOLD: 'rejectThreshold',
  DATAKIT_REJECT_FLOOR: 'rejectFloor',
  DATAKIT_BATCH_SIZE: 'batchSize',
  DATAKIT_COPY_FORMAT: 'copyFormat',
  DATAKIT_CONCURRENCY: 'concurrency',
  DATAKIT_TABLES: 'tables',
  DATAKIT_SOURCE_SCHEMA: 'sourceSchema',
  DATAKIT_TARGET_SCHEMA: 'targetSchema',
} as const;

const writeMode = z.enum(['append', 'replace', 'merge']);

const schemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_$]*$/, 'expected a lower-case PostgreSQL identifier, e.g. "bronze"');

/** The tables a definition loads, by target table name: what `tables` in the config may list. */
export function tableNames(definition: DatakitDefinition): string[] {
  return definition.tables.map((t) => t.target.name);
}

/**
 * The zod schema of a datakit's config file: strict (unknown keys are errors), defaults and a
 * description on every field. `parameters` follows the datakit's own schema, or must be empty.
 */
export function runtimeConfigSchema(definition: DatakitDefinition) {
  const names = tableNames(definition);
  const parameters = (definition.parameters ?? z.strictObject({})).describe(
    definition.parameters === undefined
      ? 'This datakit takes no parameters.'
      : `Parameters of ${definition.name}.`,
  );
  return z
    .strictObject({
      $schema: z.string().optional().describe('JSON Schema of this file, for editors.'),
      source: connectionSchema.describe(
        'Where the datakit reads. Example: {"kind": "postgres", "host": "pg.corp.example", "database": "pagila", "user": "reader", "password": "file:/run/secrets/pagila"}.',
      ),
      target: connectionSchema.describe(
        'The warehouse the datakit writes. Example: {"kind": "postgres", "host": "dwh.corp.example", "database": "warehouse", "user": "loader", "auth": "kerberos"}.',
      ),
      mode: z
        .union(
          [
            writeMode,
            z
              .partialRecord(z.enum(names as [string, ...string[]]), writeMode)
              .describe('Per table (target name): its write mode.'),
          ],
          {
            error: `expected one of "append"|"replace"|"merge", or an object of table (${names.join(', ')}) to one of them`,
          },
        )
        .optional()
        .describe(
          `Write mode of every table ("replace"), or per table by target name ({"${names[0]}": "replace"}): append (insert the new rows after the cursor), replace (the whole table), or merge (upsert on the primary key). Only the modes a table supports are accepted (spec: transforms[].modes). Default: each table's own (spec: transforms[].mode). Env: DATAKIT_MODE (one mode for every table).`,
        ),
      rejectThreshold: z
        .number()
        .min(0)
        .max(1)
        .default(0)
        .describe(
          "Fraction of a table's rows (0..1) that may fail validation before the run fails with exit code 4 (when also more than rejectFloor rows). Default 0. Env: DATAKIT_REJECT_THRESHOLD. Example: 0.01.",
        ),
      rejectFloor: z
        .int()
        .min(0)
        .default(0)
        .describe(
          'Rejected rows a table may always have, whatever the fraction, so a small incremental batch does not fail on one bad row. Default 0. Env: DATAKIT_REJECT_FLOOR. Example: 5.',
        ),
      batchSize: z
        .int()
        .min(1)
        .max(1_000_000)
        .default(10_000)
        .describe(
          'Rows per staging batch; memory grows with it, not with the table. Default 10000. Env: DATAKIT_BATCH_SIZE.',
        ),
      copyFormat: z
        .enum(['auto', 'text'])
        .default('auto')
        .describe(
          'COPY format of the load: "auto" takes PostgreSQL\'s binary format when every column of a table allows it (integers, boolean, timestamps, text), else text; "text" always takes text. Default "auto". Env: DATAKIT_COPY_FORMAT.',
        ),
      concurrency: z
        .int()
        .min(1)
        .max(64)
        .optional()
        .describe(
          'Tables loaded at once, each on its own source and target sessions and in its own transaction. Default: the number of CPU cores, at most the number of tables. Env: DATAKIT_CONCURRENCY. Example: 2.',
        ),
      tables: z
        .array(z.enum(names as [string, ...string[]]))
        .min(1)
        .optional()
        .describe(
          `Load only these tables (target names). Default: all of ${names.join(', ')}. Env: DATAKIT_TABLES (comma-separated). Example: ["customer"].`,
        ),
      sourceSchema: schemaName
        .optional()
        .describe(
          'Schema the source tables are read from. Default: each source contract\'s schema (e.g. "public"). Env: DATAKIT_SOURCE_SCHEMA.',
        ),
      targetSchema: schemaName
        .optional()
        .describe(
          'Schema the target tables are written to. Default: each target contract\'s schema (e.g. "bronze"). Env: DATAKIT_TARGET_SCHEMA. Example: "bronze_test".',
        ),
      parameters: parameters.prefault({} as never),
    })
    .superRefine((config, ctx) => {
      const mode = config.mode;
      for (const table of mode === undefined ? [] : definition.tables) {
        const chosen = typeof mode === 'string' ? mode : mode?.[table.target.name];
        if (chosen === undefined || table.modes.includes(chosen)) continue;
        const refusal = writeModeRefusal(chosen, {
          primaryKey: table.target.primaryKey,
          cursor: table.cursor,
          cursorUnique: table.cursorUnique,
          dedupOn: table.dedupOn,
        });
        ctx.addIssue({
          code: 'custom',
          path: typeof mode === 'string' ? ['mode'] : ['mode', table.target.name],
          message: `${chosen} is not a mode of table ${table.target.qualifiedName} (it supports ${table.modes.join(', ')})${refusal === undefined ? '' : `: ${refusal}`}`,
        });
      }
      for (const side of ['source', 'target'] as const) {
        const connection = config[side];
        const usesPassword =
          (connection.kind === 'postgres' && connection.auth === 'password') ||
          (connection.kind === 'sqlserver' && connection.auth === 'sql');
        if (usesPassword && connection.password === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [side, 'password'],
            message: `required with auth "${connection.auth}": a secret reference such as "file:/run/secrets/${side}-password"`,
          });
        }
        if (!usesPassword && connection.password !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [side, 'password'],
            message: `not used with auth "${connection.auth}"; remove it`,
          });
        }
      }
    })
    .describe(`Configuration of the ${definition.name} datakit.`);
}

/** The config file as written. */
export type RuntimeConfigInput = z.input<ReturnType<typeof runtimeConfigSchema>>;

/** The config file parsed, defaults applied. */
export type RuntimeConfig = z.output<ReturnType<typeof runtimeConfigSchema>>;

/** The JSON Schema of the config file (input form: defaulted fields are optional). */
export function configJsonSchema(definition: DatakitDefinition): Record<string, unknown> {
  return z.toJSONSchema(runtimeConfigSchema(definition), {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
}

/**
 * The job contract's config file (what both deploy drivers write) must be a config this schema
 * reads: a field renamed or retyped on one side only fails compilation here.
 */
type JobConfigFile = Omit<DatakitJobConfig, 'source' | 'target'> & {
  source: RuntimeConfigInput['source'];
  target: RuntimeConfigInput['target'];
};
const jobConfigFitsRuntime = (config: JobConfigFile): RuntimeConfigInput => config;
/** Every field the drivers write is one the runtime knows (a renamed field is not extra). */
type FieldsTheRuntimeLacks = Exclude<keyof DatakitJobConfig, keyof RuntimeConfigInput>;
const everyFieldKnown: [FieldsTheRuntimeLacks] extends [never] ? true : FieldsTheRuntimeLacks =
  true;
void jobConfigFitsRuntime;
void everyFieldKnown;
