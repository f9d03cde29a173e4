import { isAbsolute } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '@datakit/errors';
import { secretProviderConfigSchema, secretRefSchema, type SecretRef } from '@datakit/secrets';
import { CONTAINER_PATHS, DATAKIT_UID, SIDECAR_ENV } from '@datakit/warehouse/job-contract';

const seconds = (fallback: number, description: string, min = 0) =>
  z.coerce
    .number({ error: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(min, `expected at least ${min}`)
    .default(fallback)
    .meta({ description, examples: [fallback] });

const flag = (description: string) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], {
      error: 'expected true or false',
    })
    .transform((value) => value === true || value === 'true' || value === '1')
    .default(false)
    .meta({ description, examples: [false] });

const absolutePath = (fallback: string, description: string) =>
  z
    .string()
    .refine((path) => isAbsolute(path), 'expected an absolute path')
    .default(fallback)
    .meta({ description, examples: [fallback] });

/**
 * The sidecar's configuration: a JSON file (`SIDECAR_CONFIG_FILE`) and/or environment
 * variables (which win), one variable per field. Unknown keys in the file are errors.
 */
export const sidecarConfigSchema = z.strictObject({
  principal: z
    .string({ error: 'required: the Kerberos principal to get tickets for' })
    .regex(/^[^\s@]+(@[^\s@]+)?$/, 'expected a principal such as datakit-loader@DATAKIT.TEST')
    .meta({
      description:
        'The principal whose key the keytab holds; the default realm applies without @REALM.',
      examples: ['datakit-loader@DATAKIT.TEST'],
    }),
  keytab: secretRefSchema.meta({
    description: 'Where the keytab lives: a secret reference, never the keytab itself.',
    examples: ['delinea:4711/keytab', 'file:/run/secrets/keytab'],
  }),
  secretProvider: secretProviderConfigSchema.optional().meta({
    description:
      'How to read the keytab reference. Default: derived from its scheme (file, env; delinea needs delineaBaseUrl and delineaCredentialsFile).',
  }),
  delineaBaseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .optional()
    .meta({
      description: 'Secret Server URL, for delinea: references.',
      examples: ['https://secrets.corp.example/SecretServer'],
    }),
  delineaCredentialsFile: z
    .string()
    .refine((path) => isAbsolute(path), 'expected an absolute path')
    .optional()
    .meta({
      description: "A mounted JSON file with the sidecar's own Secret Server login.",
      examples: ['/run/secrets/delinea.json'],
    }),
  krb5Config: absolutePath('/etc/krb5.conf', 'The krb5.conf kinit uses (KRB5_CONFIG).'),
  ccache: z
    .string()
    .regex(/^FILE:\/\S+$/, `expected FILE:<absolute path>, e.g. ${CONTAINER_PATHS.ticketCache}`)
    // Where both deploy drivers mount the shared ticket cache (they also set it explicitly).
    .default(CONTAINER_PATHS.ticketCache)
    .meta({
      description:
        'The shared ticket cache datakits read (their KRB5CCNAME). Replaced atomically on every refresh.',
      examples: [CONTAINER_PATHS.ticketCache],
    }),
  keytabDir: absolutePath(
    '/dev/shm',
    'A memory-backed (tmpfs) directory where the keytab lives for the few milliseconds kinit reads it.',
  ),
  allowNonTmpfsKeytab: flag(
    'Allow a keytabDir that is not tmpfs/ramfs. For tests on machines without one; never in production.',
  ),
  renewMarginSeconds: seconds(
    600,
    'Renew this long before the ticket expires; the sidecar is ready only while the ticket is valid for longer than this.',
    1,
  ),
  ticketLifetime: z
    .string()
    .regex(/^[0-9]+[smhd]?([0-9]+[smhd])*$/, 'expected a kinit duration such as 10h or 90m')
    .optional()
    .meta({
      description: 'Requested ticket lifetime (kinit -l); the KDC may cap it.',
      examples: ['10h'],
    }),
  renewableLifetime: z
    .string()
    .regex(/^[0-9]+[smhd]?([0-9]+[smhd])*$/, 'expected a kinit duration such as 7d')
    .default('7d')
    .meta({
      description: 'Requested renewable lifetime (kinit -r); the KDC may cap it.',
      examples: ['7d'],
    }),
  readyFile: absolutePath(
    CONTAINER_PATHS.readyFile,
    'Exists (with principal and expiry as JSON) only while the cache holds a ticket valid for longer than the margin.',
  ),
  httpPort: z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a port number')
    .min(0, 'expected 0 (off) or a port 1-65535')
    .max(65535, 'expected 0 (off) or a port 1-65535')
    .default(8754)
    .meta({
      description: 'Port of /healthz and /readyz on 127.0.0.1; 0 turns the endpoint off.',
      examples: [8754],
    }),
  cacheUid: z.coerce
    .number({ error: 'expected a numeric uid' })
    .int('expected a numeric uid')
    .nonnegative('expected a numeric uid')
    .default(DATAKIT_UID)
    .meta({
      description: 'The uid that owns (and alone may read) the ticket cache: the datakit user.',
      examples: [DATAKIT_UID],
    }),
  cacheGid: z.coerce
    .number({ error: 'expected a numeric gid' })
    .int('expected a numeric gid')
    .nonnegative('expected a numeric gid')
    .default(DATAKIT_UID)
    .meta({ description: "The ticket cache's group.", examples: [DATAKIT_UID] }),
  retryBaseSeconds: seconds(5, 'First wait after a failure; doubles per consecutive failure.', 1),
  retryMaxSeconds: seconds(60, 'Longest wait between two attempts after failures.', 1),
  commandTimeoutSeconds: seconds(30, 'How long one kinit/klist/kdestroy may run.', 1),
});

/** The configuration as written in the file or environment. */
export type SidecarConfig = z.input<typeof sidecarConfigSchema>;

/** The configuration with every default applied and the secret provider resolved. */
export interface NormalizedSidecarConfig {
  principal: string;
  keytab: SecretRef;
  secretProvider: z.output<typeof secretProviderConfigSchema>;
  krb5Config: string;
  /** `FILE:/path` as configured. */
  ccache: string;
  /** The cache's file path (without `FILE:`). */
  ccachePath: string;
  keytabDir: string;
  allowNonTmpfsKeytab: boolean;
  renewMarginMs: number;
  ticketLifetime: string | undefined;
  renewableLifetime: string;
  readyFile: string;
  httpPort: number;
  cacheUid: number;
  cacheGid: number;
  retryBaseMs: number;
  retryMaxMs: number;
  commandTimeoutMs: number;
}

/**
 * Each field's environment variable: the job contract's (`SIDECAR_ENV` of libs/warehouse), the
 * names both deploy drivers set, so a rename on either side fails compilation here.
 */
export const ENV_VARS = SIDECAR_ENV satisfies Readonly<Record<keyof SidecarConfig, string>>;

// `satisfies` finds a field without a variable; this finds a variable that is no field.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyVariableIsAField: SameKeys<keyof typeof ENV_VARS, keyof SidecarConfig> = true;

/** The variable that names the optional JSON config file. */
export const CONFIG_FILE_VAR = 'SIDECAR_CONFIG_FILE';

/**
 * Builds the configuration from a parsed config file (may be empty) and the environment, which
 * wins field by field. Reports every invalid field at once, each with its variable name.
 *
 * @throws ConfigError listing each problem.
 */
export function parseSidecarConfig(
  file: Record<string, unknown>,
  env: Record<string, string | undefined>,
  source = 'environment',
): NormalizedSidecarConfig {
  const raw: Record<string, unknown> = { ...file };
  for (const [field, variable] of Object.entries(ENV_VARS)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    raw[field] = field === 'secretProvider' ? parseJsonOrText(value) : value;
  }
  const result = sidecarConfigSchema.safeParse(raw);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '(root)');
      const variable = ENV_VARS[field as keyof SidecarConfig];
      const where = [issue.path.join('.') || field, variable ? `(${variable})` : '']
        .filter(Boolean)
        .join(' ');
      problems.push(`  - ${where}: ${issue.message}`);
    }
    throw configError(problems, source);
  }
  const config = result.data;
  const secretProvider = config.secretProvider ?? defaultProvider(config, problems);
  if (config.retryMaxSeconds < config.retryBaseSeconds) {
    problems.push(
      `  - retryMaxSeconds (${ENV_VARS.retryMaxSeconds}): ${config.retryMaxSeconds} is less than retryBaseSeconds (${config.retryBaseSeconds})`,
    );
  }
  if (problems.length > 0 || secretProvider === undefined) throw configError(problems, source);
  return {
    principal: config.principal,
    keytab: config.keytab,
    secretProvider,
    krb5Config: config.krb5Config,
    ccache: config.ccache,
    ccachePath: config.ccache.slice('FILE:'.length),
    keytabDir: config.keytabDir,
    allowNonTmpfsKeytab: config.allowNonTmpfsKeytab,
    renewMarginMs: config.renewMarginSeconds * 1000,
    ticketLifetime: config.ticketLifetime,
    renewableLifetime: config.renewableLifetime,
    readyFile: config.readyFile,
    httpPort: config.httpPort,
    cacheUid: config.cacheUid,
    cacheGid: config.cacheGid,
    retryBaseMs: config.retryBaseSeconds * 1000,
    retryMaxMs: config.retryMaxSeconds * 1000,
    commandTimeoutMs: config.commandTimeoutSeconds * 1000,
  };
}

function defaultProvider(
  config: z.output<typeof sidecarConfigSchema>,
  problems: string[],
): NormalizedSidecarConfig['secretProvider'] | undefined {
  switch (config.keytab.kind) {
    case 'file':
      return { kind: 'file', strictPermissions: false };
    case 'env':
      return { kind: 'env' };
    case 'delinea': {
      const missing = (['delineaBaseUrl', 'delineaCredentialsFile'] as const).filter(
        (field) => config[field] === undefined,
      );
      for (const field of missing) {
        problems.push(
          `  - ${field} (${ENV_VARS[field]}): required to read the ${config.keytab.kind}: keytab reference`,
        );
      }
      if (missing.length > 0) return undefined;
      return secretProviderConfigSchema.parse({
        kind: 'delinea',
        baseUrl: config.delineaBaseUrl,
        credentialsFile: config.delineaCredentialsFile,
      });
    }
    default:
      throw new Error(`Unknown secret reference ${JSON.stringify(config.keytab satisfies never)}`);
  }
}

function configError(problems: string[], source: string): ConfigError {
  return new ConfigError(
    `Invalid Kerberos sidecar configuration (${source}):\n${problems.join('\n')}`,
    {
      hint: `Set the variables above (or the same fields in the JSON file named by ${CONFIG_FILE_VAR}); see platform/kerberos-sidecar/README.md.`,
    },
  );
}

function parseJsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
