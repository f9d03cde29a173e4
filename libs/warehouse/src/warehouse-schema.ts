import { posix } from 'node:path';
import { PLATFORM_PATHS } from './job-contract.ts';
import semver from 'semver';
import * as z from 'zod';
import { secretRefSchema } from '@datakit/secrets';
import { sensitivePathProblem } from './host-paths.ts';
import { mergeEnvironment } from './_merge-environment.ts';
import {
  cronJobNameOf,
  dnsSubdomainProblem,
  KUBERNETES_SECRETS_ROOT,
  kubernetesSecretFileOf,
} from './kubernetes-names.ts';

/**
 * A lower-case name: warehouses, connections, environments, datakits. Each becomes part of
 * container and Kubernetes object names and a label value, so it is a DNS label (RFC 1123).
 */
/** A write mode, as @datakit/contracts' WriteMode. */
const writeModeSchema = z.enum(['append', 'replace', 'merge']);

const nameSchema = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'expected at most 63 lower-case letters, digits and -, starting with a letter and ending with a letter or digit',
  )
  .describe('A lower-case name, e.g. "finance" or "pagila-bronze".');

/**
 * A five-field cron expression, checked field by field for range and syntax as Kubernetes'
 * CronJob parser (robfig/cron) does: numbers, `*`, ranges, lists and steps of at least 1;
 * weekdays 0-6 (Sunday is 0).
 */
export const cronSchema = z
  .string()
  .superRefine((text, ctx) => {
    const problem = cronProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
  })
  .describe('A cron schedule with five fields (minute hour day month weekday), e.g. "0 3 * * *".');

/** The name of a Kubernetes object: a DNS subdomain of at most 253 characters. */
const objectNameSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = dnsSubdomainProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });

const secretRef = secretRefSchema.describe(
  'Where a secret lives, never its value: file:<absolute path> or delinea:<secretId>/<fieldSlug> (env:<VARIABLE> parses, but neither driver can resolve it in a container, so an environment refuses it). Docker mounts file:/run/secrets/datakit/<file> from secretsDir; Kubernetes mounts file:/run/secrets/<secret>/<key> from a Secret. Example: "delinea:4711/keytab".',
);

/** A PostgreSQL schema name as the runtime accepts it (its config field targetSchema). */
const schemaNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_$]*$/, 'expected a lower-case PostgreSQL identifier, e.g. "bronze"');

const postgresConnectionSchema = z
  .strictObject({
    kind: z.literal('postgres').describe('A PostgreSQL database.'),
    host: z.string().min(1).describe('Host name, e.g. "pg.corp.example" or "127.0.0.1".'),
    port: z.number().int().min(1).max(65535).default(5432).describe('TCP port. Default 5432.'),
    database: z.string().min(1).describe('Database name, e.g. "pagila".'),
    user: z
      .string()
      .min(1)
      .describe(
        'Role to log in as; with Kerberos, the principal name PostgreSQL maps, e.g. "datakit-loader".',
      ),
    auth: z
      .enum(['password', 'kerberos'])
      .default('password')
      .describe(
        '"kerberos" uses the ticket cache the sidecar keeps (GSSAPI); "password" needs `password`.',
      ),
    password: secretRef
      .optional()
      .describe('Secret reference of the password (auth: password only).'),
    schema: schemaNameSchema
      .optional()
      .describe(
        'As a target: the schema the pins writing here load their tables into, unless a pin sets its own targetSchema; unset, each target table goes to its contract\'s own schema (e.g. "bronze"). Two warehouses sharing one database give their targets different schemas so they write different tables. As a source: the schema `datakit new source` reads the catalog of (default "public"). Example: "finance".',
      ),
    sslMode: z
      .enum(['disable', 'prefer', 'require', 'verify-full'])
      .default('prefer')
      .describe('TLS mode, as libpq names it. Default "prefer".'),
  })
  .describe(
    'A PostgreSQL connection. Example: {kind: postgres, host: pg.corp.example, database: dwh, user: loader, auth: kerberos}.',
  );

const sqlServerConnectionSchema = z
  .strictObject({
    kind: z.literal('sqlserver').describe('A Microsoft SQL Server database.'),
    host: z
      .string()
      .min(1)
      .describe(
        'Host name; with Kerberos it must be the name the SPN uses, e.g. "sql01.corp.example".',
      ),
    port: z.number().int().min(1).max(65535).default(1433).describe('TCP port. Default 1433.'),
    database: z.string().min(1).describe('Database name.'),
    instance: z.string().min(1).optional().describe('Named instance, if any.'),
    auth: z
      .enum(['kerberos', 'sql'])
      .default('kerberos')
      .describe(
        '"kerberos": Windows (integrated) authentication with the ticket cache; "sql": a SQL login with `user` and `password`.',
      ),
    user: z.string().min(1).optional().describe('SQL login (auth: sql only).'),
    password: secretRef
      .optional()
      .describe('Secret reference of the SQL login password (auth: sql only).'),
    driver: z
      .enum(['msnodesqlv8', 'tedious'])
      .default('msnodesqlv8')
      .describe(
        '"msnodesqlv8" (ODBC; Kerberos with Trusted_Connection) or "tedious" (pure JS, SQL logins only, no Kerberos).',
      ),
    odbcDriver: z
      .enum(['ODBC Driver 18 for SQL Server', 'FreeTDS'])
      .optional()
      .describe(
        'The ODBC driver of driver msnodesqlv8: Microsoft\'s "ODBC Driver 18 for SQL Server" (the default, production) or Debian\'s "FreeTDS" (tdsodbc, built with GSSAPI; what the datakit base image ships).',
      ),
    serverSpn: z
      .string()
      .regex(/^MSSQLSvc\/[^\s@]+$/, 'expected MSSQLSvc/<host>:<port or instance>')
      .optional()
      .describe(
        'The service principal to ask the KDC for when it is not MSSQLSvc/<host>:<port> (e.g. behind a DNS alias), e.g. "MSSQLSvc/sql01.corp.example:1433".',
      ),
    encrypt: z.boolean().default(true).describe('Encrypt the connection (TLS). Default true.'),
    trustServerCertificate: z
      .boolean()
      .default(false)
      .describe('Accept any server certificate. Default false.'),
  })
  .superRefine((connection, context) => {
    for (const { field, message } of sqlServerProblems(connection)) {
      context.addIssue({ code: 'custom', path: [field], message });
    }
  })
  .describe(
    'A SQL Server connection. Example: {kind: sqlserver, host: sql01.corp.example, database: Sales}.',
  );

/** What a SQL Server connection's fields refuse together: each field and why. */
function sqlServerProblems(connection: {
  auth: 'kerberos' | 'sql';
  driver: 'msnodesqlv8' | 'tedious';
  user?: string | undefined;
  password?: unknown;
  odbcDriver?: string | undefined;
}): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  if (connection.auth === 'kerberos') {
    if (connection.driver === 'tedious') {
      problem(
        'driver',
        'driver "tedious" has no Kerberos (GSSAPI) client; use driver "msnodesqlv8" with auth kerberos, or auth "sql"',
      );
    }
    if (connection.user !== undefined) {
      problem('user', 'auth "kerberos" logs in as the ticket\'s principal; remove user');
    }
    if (connection.password !== undefined) {
      problem('password', 'auth "kerberos" needs no password; remove it');
    }
  } else {
    if (connection.user === undefined) problem('user', 'auth "sql" needs user (the SQL login)');
    if (connection.password === undefined) {
      problem('password', 'auth "sql" needs password (a secret reference)');
    }
  }
  if (connection.driver === 'tedious' && connection.odbcDriver !== undefined) {
    problem('odbcDriver', 'odbcDriver applies to driver "msnodesqlv8" only');
  }
  return problems;
}

/** One connection of a warehouse: a source or a target database. */
export const connectionSchema = z
  .discriminatedUnion('kind', [postgresConnectionSchema, sqlServerConnectionSchema])
  .describe('A database connection by `kind`: postgres or sqlserver. Secrets by reference only.');

const kerberosSchema = z
  .strictObject({
    principal: z
      .string()
      .regex(/^[^@\s]+@[A-Z0-9.-]+$/, 'expected principal@REALM with an upper-case realm')
      .describe(
        'The principal the sidecar obtains tickets for, e.g. "datakit-loader@CORP.EXAMPLE".',
      ),
    keytab: secretRef.describe(
      'Secret reference of the keytab, e.g. "delinea:4711/keytab" or "file:/run/secrets/datakit.keytab".',
    ),
    krb5Config: z
      .string()
      .min(1)
      .superRefine((path, ctx) => {
        const problem = containerPathProblem(path);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: path });
      })
      .optional()
      .describe(
        'Path of the krb5.conf inside the sidecar and datakit images (KRB5_CONFIG), e.g. "/etc/krb5.conf". A Docker environment\'s krb5ConfigFile takes its place: it is mounted at the driver\'s own /etc/datakit/krb5.conf.',
      ),
    renewBeforeSeconds: z
      .number()
      .int()
      .min(10)
      .default(300)
      .describe('Renew a ticket this many seconds before it expires. Default 300.'),
  })
  .describe(
    'How the Kerberos sidecar gets tickets: a principal and its keytab from the secret store.',
  );

/** The fields of a connection of each kind an environment may override (all but `kind`). */
const OVERRIDABLE_FIELDS = {
  postgres: Object.keys(postgresConnectionSchema.shape).filter((key) => key !== 'kind'),
  sqlserver: Object.keys(sqlServerConnectionSchema.shape).filter((key) => key !== 'kind'),
} as const;

/**
 * A field of an environment's override: a value replaces the top-level one, `null` removes it
 * (unsets it). Every field accepts null here, as `user` is optional for one kind and required for
 * the other; {@link unsetProblem} refuses null on a field the merged values must have.
 */
function overrideField<T extends z.ZodType>(schema: T, description: string) {
  return schema.nullable().optional().describe(description);
}

/** What an environment's override of each connection field says of it (in the JSON Schema). */
const CONNECTION_OVERRIDE_DESCRIPTIONS: Record<string, string> = {
  host: 'Host name, e.g. "pg-prod.corp.example".',
  port: 'TCP port.',
  database: 'Database name.',
  user: 'Role or SQL login; null removes it (sqlserver, e.g. where it logs in with Kerberos).',
  auth: 'Authentication: postgres "password" or "kerberos"; sqlserver "kerberos" or "sql".',
  password:
    'Secret reference of the password; null removes it (where this environment logs in with Kerberos).',
  schema:
    "The schema (postgres): the default target schema of the pins writing here; null removes it (each target contract's own schema).",
  sslMode: 'TLS mode (postgres).',
  instance: 'Named instance (sqlserver); null removes it.',
  driver: 'Driver (sqlserver).',
  odbcDriver: "ODBC driver (sqlserver); null removes it (Microsoft's, the default).",
  serverSpn:
    'Service principal of the server (sqlserver); null removes it (MSSQLSvc/<host>:<port>).',
  encrypt: 'Encrypt the connection (sqlserver).',
  trustServerCertificate: 'Accept any server certificate (sqlserver).',
};

/** A top-level field's own validator, without its default or optional (an override names a value). */
function valueSchemaOf(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

/**
 * The override of every field of either kind's connection but `kind`, validated as the top
 * level validates it (a field both kinds have with other values, `auth`, takes either's).
 * Derived from the connection schemas, so a field added there can be overridden at once.
 */
function connectionOverrideShape(): Record<string, z.ZodType> {
  const values = new Map<string, z.ZodType>();
  for (const shape of [postgresConnectionSchema.shape, sqlServerConnectionSchema.shape]) {
    for (const [field, schema] of Object.entries(shape)) {
      if (field === 'kind') continue;
      const value = valueSchemaOf(schema);
      const seen = values.get(field);
      values.set(
        field,
        seen instanceof z.ZodEnum && value instanceof z.ZodEnum
          ? z.enum([...new Set([...seen.options, ...value.options])] as [string, ...string[]])
          : (seen ?? value),
      );
    }
  }
  return Object.fromEntries(
    [...values].map(([field, value]) => [
      field,
      overrideField(value, CONNECTION_OVERRIDE_DESCRIPTIONS[field] ?? field),
    ]),
  );
}

/**
 * An environment's values for a connection of warehouse.yaml, each replacing the top-level
 * value of the same field when that environment is deployed, planned, rendered or verified;
 * `null` removes an optional field.
 */
const connectionOverrideSchema = z
  .strictObject(connectionOverrideShape())
  .describe(
    'Values of one connection in this environment, each replacing the top-level field (kind cannot change); null removes an optional field (password, schema, user of sqlserver, instance, odbcDriver, serverSpn), never a required one or one with a default. Example: {host: pg-prod.corp.example, auth: kerberos, user: datakit-loader, password: null}.',
  );

const kerberosOverrideSchema = z
  .strictObject({
    principal: overrideField(
      kerberosSchema.shape.principal,
      'The principal the sidecar obtains tickets for, e.g. "datakit-loader@CORP.EXAMPLE".',
    ),
    keytab: overrideField(
      kerberosSchema.shape.keytab,
      'Secret reference of the keytab, e.g. "delinea:4711/keytab".',
    ),
    krb5Config: overrideField(
      kerberosSchema.shape.krb5Config.unwrap(),
      'Path of the krb5.conf inside the images (KRB5_CONFIG), e.g. "/etc/krb5.conf"; null removes it (the images\' own).',
    ),
  })
  .describe(
    'The Kerberos identity in this environment, each field replacing the top-level one; null removes krb5Config. Example: {principal: "datakit-loader@CORP.EXAMPLE", keytab: "delinea:4711/keytab"}.',
  );

/**
 * What the top level of a connection of each kind and of the Kerberos block requires, keyed by
 * field: what tells whether an override may unset it.
 */
const TOP_LEVEL_SHAPES = {
  postgres: postgresConnectionSchema.shape,
  sqlserver: sqlServerConnectionSchema.shape,
  kerberos: kerberosSchema.shape,
} as const satisfies Record<string, Record<string, z.ZodType>>;

/**
 * Why an override may not unset (`null`) `field` of a connection of `kind` or of the Kerberos
 * block, or undefined when it may: only a field the top level may leave out, with no default,
 * can be removed (a required field would be missing; one with a default always has a value).
 * Undefined too for a field `kind` does not have (refused as such).
 */
function unsetProblem(kind: keyof typeof TOP_LEVEL_SHAPES, field: string): string | undefined {
  const schema = (TOP_LEVEL_SHAPES[kind] as Record<string, z.ZodType>)[field];
  if (schema === undefined) return undefined;
  // Parsing nothing tells the three apart: required fails, a default gives its value.
  const absent = schema.safeParse(undefined);
  if (!absent.success) {
    return 'required, cannot be unset (null); give the value this environment needs, or leave the field out to keep the top-level one';
  }
  if (absent.data !== undefined) {
    return `has a default (${JSON.stringify(absent.data)}), cannot be unset (null); give the value this environment needs, e.g. ${field}: ${JSON.stringify(absent.data)}`;
  }
  return undefined;
}

/** What an environment overrides: its connections' fields and the Kerberos identity. */
const environmentOverrides = {
  connections: z
    .record(nameSchema, connectionOverrideSchema)
    .optional()
    .describe(
      'Connection fields of this environment by connection name, merged over the top-level connections (host, port, database, user, auth, password, schema, ...), so one warehouse.yaml runs against local databases and production hosts; null removes an optional field (e.g. the password where this environment logs in with Kerberos). Example: {dwh: {host: pg-prod.corp.example}}.',
    ),
  kerberos: kerberosOverrideSchema
    .optional()
    .describe(
      'Kerberos fields of this environment (principal, keytab, krb5Config), merged over the top-level kerberos block, which must exist; krb5Config: null removes it.',
    ),
};

const delineaSchema = z
  .strictObject({
    baseUrl: z
      .url()
      .describe('Secret Server base URL, e.g. "https://secrets.corp.example/SecretServer".'),
    credentialsFile: z
      .string()
      .min(1)
      .describe(
        'Path of the mounted file with the provider credentials (JSON {"username","password"}).',
      ),
  })
  .describe('Delinea Secret Server, for delinea: secret references.');

const schedulesSchema = z
  .record(nameSchema, cronSchema)
  .default({})
  .describe(
    'Schedule overrides per datakit in this environment, e.g. {pagila-bronze: "0 2 * * *"}.',
  );

/** Who starts the pinned datakits on their schedules in an environment. */
export const schedulerSchema = z
  .enum(['cronjob', 'airflow'])
  .default('cronjob')
  .describe(
    'Who runs the pins on their schedules: "cronjob" (Kubernetes CronJobs; Docker only records schedules) or "airflow" (the DAGs of `datakit render --format airflow`; then deploy creates no CronJobs, so nothing runs twice). Default "cronjob". Example: "airflow".',
  );

const airflowDagsDirSchema = z
  .string()
  .min(1)
  .optional()
  .describe(
    'The folder holding this environment\'s rendered Airflow DAGs (scheduler: airflow), which `datakit verify` compares with the lock; relative to the warehouse folder. Example: "../../airflow/dags".',
  );

/** Memory sizes as Kubernetes writes them, in Mi or Gi: "512Mi", "1Gi". */
const memorySizeSchema = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi)$/, 'expected a size in Mi or Gi, e.g. "512Mi" or "1Gi"')
  .refine(
    (size) => memoryBytesOf(size) >= 64 * 2 ** 20,
    'expected at least "64Mi" (Node and the database drivers need more)',
  );

/** The bytes of a memory size of warehouse.yaml ("512Mi", "1Gi"). */
export function memoryBytesOf(size: string): number {
  const units = { Mi: 2 ** 20, Gi: 2 ** 30 } as const;
  return Number(size.slice(0, -2)) * units[size.slice(-2) as keyof typeof units];
}

const dockerLimitsSchema = z
  .strictObject({
    memory: memorySizeSchema
      .default('1Gi')
      .describe(
        'Memory limit of each datakit job container (swap included), e.g. "2Gi". Default "1Gi", the Kubernetes limit.',
      ),
    pids: z
      .int()
      .min(32)
      .max(65536)
      .default(256)
      .describe(
        'Most processes and threads a datakit job container may have (a fork bomb stops there). Default 256.',
      ),
  })
  .default({ memory: '1Gi', pids: 256 })
  .describe(
    'Limits of the datakit job containers; the Kerberos sidecar has its own fixed ones (128Mi, 64). Example: {memory: "2Gi", pids: 512}.',
  );

/**
 * A folder host paths may lie in. Written as an absolute path it is checked here; a relative one
 * only means something on the deploying machine, where the deploy checks its real path.
 */
const hostRootSchema = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    if (!path.startsWith('/')) return;
    const problem = sensitivePathProblem(posix.normalize(path).replace(/(.)\/$/, '$1'));
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${problem}; a root of host paths is a folder of the project, e.g. "../../.infra"`,
        input: path,
      });
    }
  })
  .describe('A host folder that host paths may lie in, e.g. "../../.infra".');

const dockerEnvironmentSchema = z
  .strictObject({
    driver: z.literal('docker').describe('Deploy to a Docker engine (a laptop, CI).'),
    registry: z.string().min(1).describe('Registry host of the images, e.g. "127.0.0.1:5000".'),
    network: z
      .string()
      .min(1)
      .default('host')
      .describe('Docker network of the containers. Default "host" (all traffic on loopback).'),
    dockerHost: z
      .string()
      .min(1)
      .regex(
        /^unix:\/\/\/\S+$/,
        'expected the unix socket of an engine on this machine, e.g. "unix:///var/run/docker.sock"; tcp:// and ssh:// engines are refused because the Docker driver bind-mounts files this machine writes (config, secrets, krb5.conf), which an engine on another machine cannot see (use a kubernetes environment for a remote target)',
      )
      .optional()
      .describe(
        'The Docker engine of this machine, as a unix socket, e.g. "unix:///var/run/docker.sock". Default: DOCKER_HOST when it names a unix socket, else /var/run/docker.sock. tcp:// and ssh:// are refused: the containers bind-mount files from this machine.',
      ),
    secretsDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Host folder holding the secret files of file:/run/secrets/datakit/<file> references; relative to the warehouse folder. Each container gets only the files its own references name, each mounted read-only at /run/secrets/datakit/<file>: the sidecar the keytab, a datakit its connections\' passwords. It must exist, lie in the warehouse folder or one of hostRoots, and may not be a system path of the host. Example: "../../.infra/secrets/datakit".',
      ),
    krb5ConfigFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Host krb5.conf mounted read-only at /etc/datakit/krb5.conf in the sidecar and datakit containers (KRB5_CONFIG points there); relative to the warehouse folder. It must exist, lie in the warehouse folder or one of hostRoots, and may not be a system path of the host.',
      ),
    hostRoots: z
      .array(hostRootSchema)
      .default([])
      .describe(
        'Host folders, besides the warehouse folder, that secretsDir and krb5ConfigFile may lie in (after links are followed); relative to the warehouse folder. A deploy refuses any host path outside them. A root may not be /, a system folder (/etc, /run, /usr, ...), a home folder, a folder of credentials (.ssh, ...), nor hold the Docker socket. Default none: host paths lie in the warehouse folder. Example: ["../../.infra"].',
      ),
    limits: dockerLimitsSchema,
    ...environmentOverrides,
    schedules: schedulesSchema,
    scheduler: schedulerSchema,
    airflowDagsDir: airflowDagsDirSchema,
  })
  .describe('A Docker environment. Example: {driver: docker, registry: "127.0.0.1:5000"}.');

const kubernetesEnvironmentSchema = z
  .strictObject({
    driver: z.literal('kubernetes').describe('Deploy CronJobs to a Kubernetes cluster.'),
    namespace: nameSchema.describe('Namespace of the CronJobs, e.g. "data-finance".'),
    registry: z
      .string()
      .min(1)
      .describe('Registry host of the images, e.g. "registry.corp.example".'),
    context: z.string().min(1).optional().describe('kubeconfig context; default the current one.'),
    serviceAccount: objectNameSchema.optional().describe('Service account the pods run as.'),
    imagePullSecret: objectNameSchema
      .optional()
      .describe('Name of the Secret used to pull images.'),
    keytabSecret: objectNameSchema
      .optional()
      .describe(
        'Name of a Kubernetes Secret holding the keytab, when it is synced into the cluster instead of read from Delinea.',
      ),
    ...environmentOverrides,
    schedules: schedulesSchema,
    scheduler: schedulerSchema,
    airflowDagsDir: airflowDagsDirSchema,
  })
  .describe(
    'A Kubernetes environment. Example: {driver: kubernetes, namespace: data-finance, registry: registry.corp.example}.',
  );

/** Where and how the warehouse is deployed. */
export const environmentSchema = z
  .discriminatedUnion('driver', [dockerEnvironmentSchema, kubernetesEnvironmentSchema])
  .describe('A deploy target by `driver`: docker or kubernetes.');

/** One pinned datakit of a warehouse. */
export const datakitPinSchema = z
  .strictObject({
    version: z
      .string()
      .refine(
        (v) => semver.validRange(v) !== null,
        'expected an exact version or a semver range, e.g. "1.4.2" or "^1.4.0"',
      )
      .describe(
        'The version wanted: exact ("1.4.2") or a range ("^1.4.0"); the lock file records what it resolved to.',
      ),
    schedule: cronSchema
      .optional()
      .describe('Default schedule (environments may override it), e.g. "0 3 * * *".'),
    mode: z
      .union([writeModeSchema, z.record(z.string(), writeModeSchema)], {
        error:
          'expected one of "append"|"replace"|"merge", or an object of target table name to one of them, e.g. {"rental": "replace"}',
      })
      .optional()
      .describe(
        'Write mode of every table ("replace") or per target table ({"rental": "replace"}): append (the rows after the cursor), replace (the whole table), merge (upsert on the primary key). Only modes a table supports are accepted (its image\'s spec, transforms[].modes; checked by verify and the run). Default: each table\'s own mode from its datakit.',
      ),
    source: nameSchema.describe('Name of the source connection in `connections`.'),
    target: nameSchema.describe('Name of the target connection in `connections`.'),
    targetSchema: schemaNameSchema
      .optional()
      .describe(
        'The PostgreSQL schema this pin writes its target tables to (and its bookkeeping names them by; drift checks look there). Default: the target connection\'s `schema`, else each target contract\'s own schema (e.g. "bronze"). Example: "finance_bronze".',
      ),
    rejectThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        'Fraction of rows that may fail validation before the run fails (when also more than rejectFloor rows), 0..1. Default 0.',
      ),
    rejectFloor: z
      .int()
      .min(0)
      .default(0)
      .describe(
        'Rejected rows a table may always have, whatever the fraction, so a small incremental batch does not fail on one bad row. Default 0.',
      ),
    parameters: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Datakit parameters, checked against the config schema in its `spec`.'),
  })
  .describe(
    'A datakit pinned to this warehouse. Example: {version: "^1.4.0", source: pagila, target: dwh, schedule: "0 3 * * *"}.',
  );

const warehouseObjectSchema = z.strictObject({
  apiVersion: z.literal('datakit.dev/v1').describe('Always "datakit.dev/v1".'),
  name: nameSchema.describe('The warehouse name, e.g. "finance"; labels every deployed object.'),
  description: z.string().optional().describe('What this warehouse is for.'),
  connections: z
    .record(nameSchema, connectionSchema)
    .refine((c) => Object.keys(c).length > 0, 'expected at least one connection')
    .describe('Databases by name, referenced by datakits as `source` and `target`.'),
  kerberos: kerberosSchema
    .optional()
    .describe(
      'How the Kerberos sidecar gets tickets: a principal and its keytab from the secret store. Required when a connection uses auth "kerberos"; without it the warehouse runs no sidecar.',
    ),
  secrets: z
    .strictObject({ delinea: delineaSchema.optional() })
    .default({})
    .describe('Secret providers that references need (file: and env: need none).'),
  environments: z
    .record(nameSchema, environmentSchema)
    .refine((e) => Object.keys(e).length > 0, 'expected at least one environment')
    .describe('Deploy targets by name, e.g. local (docker) and prod (kubernetes).'),
  datakits: z
    .record(nameSchema, datakitPinSchema)
    .describe('Pinned datakits by name (the image repository).'),
});

/** The whole warehouse.yaml. */
export const warehouseSchema = warehouseObjectSchema
  .superRefine((warehouse, ctx) => {
    for (const [name, pin] of Object.entries(warehouse.datakits)) {
      for (const side of ['source', 'target'] as const) {
        if (!(pin[side] in warehouse.connections)) {
          ctx.addIssue({
            code: 'custom',
            path: ['datakits', name, side],
            message: `names connection "${pin[side]}", which is not in connections (${Object.keys(warehouse.connections).join(', ')})`,
          });
        }
      }
    }
    const kubernetesEnvironments = Object.entries(warehouse.environments)
      .filter(([, env]) => env.driver === 'kubernetes')
      .map(([name]) => name);
    if (kubernetesEnvironments.length > 0) {
      for (const datakit of Object.keys(warehouse.datakits)) {
        const { problem } = cronJobNameOf(warehouse.name, datakit);
        if (problem === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['datakits', datakit],
          message: `${problem}, in the Kubernetes environment${kubernetesEnvironments.length === 1 ? '' : 's'} ${kubernetesEnvironments.map((e) => `"${e}"`).join(', ')}; use a shorter warehouse or datakit name`,
        });
      }
    }
    for (const [name, env] of Object.entries(warehouse.environments)) {
      for (const datakit of Object.keys(env.schedules)) {
        if (!(datakit in warehouse.datakits)) {
          ctx.addIssue({
            code: 'custom',
            path: ['environments', name, 'schedules', datakit],
            message: `overrides the schedule of "${datakit}", which is not in datakits`,
          });
        }
      }
    }
    if (warehouse.kerberos === undefined) {
      for (const [name, env] of Object.entries(warehouse.environments)) {
        if (env.driver !== 'kubernetes' || env.keytabSecret === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'keytabSecret'],
          message:
            'names the keytab of the Kerberos sidecar, but the warehouse has no kerberos block; remove it, or add kerberos: {principal, keytab}',
        });
      }
    }
    for (const issue of overrideProblems(warehouse)) ctx.addIssue({ code: 'custom', ...issue });
    // Every environment's merged values are checked as the top-level ones would be; a problem
    // found in several environments is reported once, naming them unless it is in all.
    const environments = Object.keys(warehouse.environments);
    const found = new Map<
      string,
      { issue: EnvironmentIssue; path: PropertyKey[]; envs: string[] }
    >();
    const unsetChecked = withoutRefusedUnsets(warehouse);
    for (const envName of environments) {
      const merged = mergeEnvironment(unsetChecked, envName);
      for (const issue of environmentProblems(merged, envName)) {
        const path = overridePathOf(unsetChecked, envName, issue.path);
        const key = `${path.join('.')}\u0000${issue.id}`;
        const entry = found.get(key) ?? { issue, path, envs: [] };
        entry.envs.push(envName);
        found.set(key, entry);
      }
    }
    for (const { issue, path, envs } of found.values()) {
      const scoped = path[0] !== 'environments' && envs.length < environments.length;
      ctx.addIssue({
        code: 'custom',
        path,
        message: issue.message(envs, scoped),
      });
    }
  })
  .describe('A warehouse: its connections, Kerberos identity, environments and pinned datakits.');

type ParsedSecretRef = z.output<typeof secretRefSchema>;

/** A warehouse as the schema's last refinement sees it (defaults applied). */
type ParsedWarehouse = z.output<typeof warehouseObjectSchema>;

/** A problem of one environment's merged values; `id` tells equal problems of several apart. */
interface EnvironmentIssue {
  path: PropertyKey[];
  id: string;
  /** The message for the environments it was found in; `scoped`: name them (not all have it). */
  message: (envs: string[], scoped: boolean) => string;
}

/** ` (environment "prod")` when a problem is not in every environment, else nothing. */
function inEnvironments(envs: string[], scoped: boolean): string {
  return scoped
    ? ` (environment${envs.length === 1 ? '' : 's'} ${envs.map((e) => `"${e}"`).join(', ')})`
    : '';
}

/** A problem whose message is the same in every environment, apart from naming them. */
function plainIssue(path: PropertyKey[], message: string): EnvironmentIssue {
  return {
    path,
    id: message,
    message: (envs, scoped) => `${message}${inEnvironments(envs, scoped)}`,
  };
}

/**
 * Where a problem of an environment's merged values is shown: at the environment's override
 * when it set the field, else at the top-level field.
 */
function overridePathOf(
  warehouse: ParsedWarehouse,
  envName: string,
  path: PropertyKey[],
): PropertyKey[] {
  const env = warehouse.environments[envName];
  const [head, name, field] = path;
  if (head === 'connections' && typeof name === 'string' && typeof field === 'string') {
    const override = env?.connections?.[name] as Record<string, unknown> | undefined;
    if (override?.[field] !== undefined) return ['environments', envName, ...path];
  }
  if (head === 'kerberos' && typeof name === 'string') {
    const override = env?.kerberos as Record<string, unknown> | undefined;
    if (override?.[name] !== undefined) return ['environments', envName, ...path];
  }
  return path;
}

/**
 * The environments' overrides that name nothing they can override: a connection not in
 * `connections`, a field the connection's kind does not have, an `auth` of the other kind, a
 * Kerberos override without a top-level kerberos block; and the nulls that would unset a field
 * the merged values must have (required, or with a default).
 */
function overrideProblems(warehouse: ParsedWarehouse): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const names = Object.keys(warehouse.connections).join(', ');
  for (const [envName, env] of Object.entries(warehouse.environments)) {
    for (const [name, override] of Object.entries(env.connections ?? {})) {
      const at = ['environments', envName, 'connections', name];
      const base = warehouse.connections[name];
      if (base === undefined) {
        problems.push({
          path: at,
          message: `names connection "${name}", which is not in connections (${names}); an environment overrides fields of the top-level connections only`,
        });
        continue;
      }
      const fields: readonly string[] = OVERRIDABLE_FIELDS[base.kind];
      for (const [field, value] of Object.entries(override)) {
        if (value === undefined) continue;
        if (!fields.includes(field)) {
          problems.push({
            path: [...at, field],
            message: `is not a field of connection "${name}" (kind ${base.kind}); it has ${fields.join(', ')}`,
          });
          continue;
        }
        const unset = value === null ? unsetProblem(base.kind, field) : undefined;
        if (unset !== undefined) problems.push({ path: [...at, field], message: unset });
      }
      const auths: readonly string[] =
        base.kind === 'postgres' ? ['password', 'kerberos'] : ['kerberos', 'sql'];
      if (typeof override.auth === 'string' && !auths.includes(override.auth)) {
        problems.push({
          path: [...at, 'auth'],
          message: `is "${override.auth}", which a ${base.kind} connection does not have; expected one of ${auths.map((a) => `"${a}"`).join(', ')}`,
        });
      }
    }
    if (env.kerberos !== undefined && warehouse.kerberos === undefined) {
      problems.push({
        path: ['environments', envName, 'kerberos'],
        message:
          'overrides fields of the kerberos block, but the warehouse has none; add kerberos: {principal, keytab} at the top level',
      });
      continue;
    }
    for (const [field, value] of Object.entries(env.kerberos ?? {})) {
      const unset = value === null ? unsetProblem('kerberos', field) : undefined;
      if (unset !== undefined) {
        problems.push({ path: ['environments', envName, 'kerberos', field], message: unset });
      }
    }
  }
  return problems;
}

/**
 * The warehouse without the nulls of its overrides that {@link overrideProblems} refuses (on a
 * required field or one with a default), so the merged values checked after it lack nothing
 * they must have and report nothing twice.
 */
function withoutRefusedUnsets(warehouse: ParsedWarehouse): ParsedWarehouse {
  const keep = (kind: keyof typeof TOP_LEVEL_SHAPES, values: object): object =>
    Object.fromEntries(
      Object.entries(values).filter(
        ([field, value]) => value !== null || unsetProblem(kind, field) === undefined,
      ),
    );
  const environments = Object.fromEntries(
    Object.entries(warehouse.environments).map(([envName, env]) => {
      const connections =
        env.connections === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(env.connections).map(([name, override]) => {
                const kind = warehouse.connections[name]?.kind;
                return [name, kind === undefined ? override : keep(kind, override)];
              }),
            );
      const kerberos = env.kerberos === undefined ? undefined : keep('kerberos', env.kerberos);
      return [envName, { ...env, connections, kerberos }];
    }),
  );
  return { ...warehouse, environments } as ParsedWarehouse;
}

/**
 * The problems of one environment's merged values (connections and Kerberos block with its
 * overrides): what its driver cannot resolve or mount, a password missing or not used, Kerberos
 * without a kerberos block, a SQL Server connection's fields that do not go together.
 */
function environmentProblems(warehouse: ParsedWarehouse, envName: string): EnvironmentIssue[] {
  const env = warehouse.environments[envName]!;
  const issues: EnvironmentIssue[] = [];
  const refs = secretRefsOf(warehouse);
  const usesDelinea = refs.some(({ ref }) => ref.kind === 'delinea');
  if (env.driver === 'kubernetes') {
    // What a pod cannot mount is refused here, not at render time.
    const where = (envs: string[]) =>
      `in the Kubernetes environment${envs.length === 1 ? '' : 's'} ${envs.map((e) => `"${e}"`).join(', ')}`;
    const checks = [
      ...refs
        // With keytabSecret, the keytab comes from that Secret whatever the reference says.
        .filter(({ path }) => !(path[0] === 'kerberos' && env.keytabSecret !== undefined))
        .map(({ path, ref }) => {
          if (ref.kind === 'env') {
            return {
              path,
              id: `k8s env:${ref.name}`,
              text: (envs: string[]) =>
                `"env:${ref.name}" cannot be used ${where(envs)}: a pod has no such variable; use file:${KUBERNETES_SECRETS_ROOT}/<secret>/<key> for key <key> of the Secret <secret>`,
            };
          }
          const mapped = ref.kind === 'file' ? kubernetesSecretFileOf(ref.path) : undefined;
          return typeof mapped === 'string'
            ? {
                path,
                id: `k8s ${mapped}`,
                text: (envs: string[]) => problemText(mapped, where(envs)),
              }
            : undefined;
        }),
      ...(usesDelinea && warehouse.secrets.delinea !== undefined
        ? [warehouse.secrets.delinea.credentialsFile].flatMap((file) => {
            const mapped = kubernetesSecretFileOf(file);
            return typeof mapped === 'string'
              ? [
                  {
                    path: ['secrets', 'delinea', 'credentialsFile'],
                    id: `k8s ${mapped}`,
                    text: (envs: string[]) => problemText(mapped, where(envs)),
                  },
                ]
              : [];
          })
        : []),
    ];
    for (const check of checks) {
      if (check === undefined) continue;
      issues.push({ path: check.path, id: check.id, message: (envs) => check.text(envs) });
    }
  } else {
    for (const { path, ref } of refs) {
      if (ref.kind !== 'env') continue;
      issues.push({
        path,
        id: `docker env:${ref.name}`,
        message: (envs) =>
          `"env:${ref.name}" cannot be resolved in the Docker environment${envs.length === 1 ? '' : 's'} ${envs.map((e) => `"${e}"`).join(', ')}: containers get no variables from the shell datakit runs in (a secret in an environment variable would also show in \`docker inspect\`); use file:/run/secrets/datakit/<file> with the environment's secretsDir`,
      });
    }
  }
  for (const [name, connection] of Object.entries(warehouse.connections)) {
    if (warehouse.kerberos === undefined && connection.auth === 'kerberos') {
      issues.push(
        plainIssue(
          ['connections', name, 'auth'],
          `is "kerberos"${connection.kind === 'sqlserver' ? ' (the default of a sqlserver connection)' : ''}, which needs a ticket from the Kerberos sidecar, but the warehouse has no kerberos block; add kerberos: {principal, keytab}, or log in with ${connection.kind === 'sqlserver' ? 'auth "sql"' : 'auth "password"'}`,
        ),
      );
    }
    // An auth of the other kind (refused with the override) says nothing about the password.
    const auths: readonly string[] =
      connection.kind === 'postgres' ? ['password', 'kerberos'] : ['kerberos', 'sql'];
    if (!auths.includes(connection.auth)) continue;
    const needsPassword =
      connection.kind === 'postgres' ? connection.auth === 'password' : connection.auth === 'sql';
    if (needsPassword && connection.password === undefined) {
      issues.push(
        plainIssue(
          ['connections', name, 'password'],
          `is required with auth "${connection.auth}" (a secret reference, e.g. "env:PG_PASSWORD")`,
        ),
      );
    }
    if (!needsPassword && connection.password !== undefined) {
      issues.push(
        plainIssue(
          ['connections', name, 'password'],
          'is not used with Kerberos authentication; remove it',
        ),
      );
    }
    if (
      connection.kind === 'sqlserver' &&
      warehouse.environments[envName]?.connections?.[name] !== undefined
    ) {
      // The top-level connection was checked by its own schema; these are the merged values.
      for (const { field, message } of sqlServerProblems(connection)) {
        issues.push(plainIssue(['connections', name, field], message));
      }
    }
  }
  if (usesDelinea && warehouse.secrets.delinea === undefined) {
    issues.push(
      plainIssue(['secrets', 'delinea'], 'is required: some secret references use delinea:'),
    );
  }
  return issues;
}

/** The problem of a Kubernetes Secret mapping, with where it applies. */
function problemText(mapped: string, where: string): string {
  return `${mapped} ${where} (a pod mounts key <key> of the Secret <secret> there)`;
}

/**
 * Every secret reference of a warehouse (or one environment's view of it): each connection's
 * password and the Kerberos keytab, with the field path it stands at.
 */
export function secretRefsOf(warehouse: {
  connections: Record<string, { password?: ParsedSecretRef | undefined }>;
  kerberos?: { keytab: ParsedSecretRef } | undefined;
}): { path: string[]; ref: ParsedSecretRef }[] {
  const refs = Object.entries(warehouse.connections).flatMap(([name, connection]) =>
    connection.password === undefined
      ? []
      : [{ path: ['connections', name, 'password'], ref: connection.password }],
  );
  return warehouse.kerberos === undefined
    ? refs
    : [...refs, { path: ['kerberos', 'keytab'], ref: warehouse.kerberos.keytab }];
}

/** warehouse.yaml as written (defaults not applied). */
export type WarehouseInput = z.input<typeof warehouseSchema>;
/** warehouse.yaml with every default applied. */
export type Warehouse = z.output<typeof warehouseSchema>;
export type Connection = z.output<typeof connectionSchema>;
export type Environment = z.output<typeof environmentSchema>;
export type DatakitPin = z.output<typeof datakitPinSchema>;

/**
 * Container paths the platform owns: the datakit's code, the ticket cache, the config file, the
 * secret files. Nothing configurable may point at them.
 */
const PLATFORM_CONTAINER_PATHS = PLATFORM_PATHS;

/** Why a container path of warehouse.yaml is refused, or undefined. */
function containerPathProblem(path: string): string | undefined {
  if (!path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.')) {
    return 'expected an absolute path without . or .. parts, e.g. "/etc/krb5.conf"';
  }
  const owned = PLATFORM_CONTAINER_PATHS.find((p) => path === p || path.startsWith(`${p}/`));
  if (owned !== undefined) {
    return `lies in ${owned}, which the platform owns in every container (code, ticket cache, config, secrets); use e.g. "/etc/krb5.conf"`;
  }
  if (/^\/(proc|sys|dev)(\/|$)/.test(path)) return 'lies in a kernel file system of the container';
  return undefined;
}

/** Per cron field: its name and the values Kubernetes' parser (robfig/cron) accepts. */
const CRON_FIELDS: { name: string; min: number; max: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
];

/** Why `text` is not a five-field cron expression Kubernetes accepts, or undefined. */
function cronProblem(text: string): string | undefined {
  const example = 'e.g. "0 3 * * *"';
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected a five-field cron expression (minute hour day-of-month month day-of-week), ${example}; found ${text.trim() === '' ? 'none' : fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i]!;
    for (const part of field.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!match) {
        return `${name} "${part}" is not a number, *, a range a-b, or one of them with a step /n (${example})`;
      }
      const [from, to, step] = [match[2], match[3], match[4]].map((n) =>
        n === undefined ? undefined : Number(n),
      );
      for (const n of [from, to]) {
        if (n !== undefined && (n < min || n > max)) {
          return `${name} ${n} in "${part}" is out of range: expected ${min}-${max}${i === 4 ? ' (Sunday is 0; Kubernetes does not accept 7)' : ''}`;
        }
      }
      if (from !== undefined && to !== undefined && to < from) {
        return `${name} range "${part}" ends before it starts`;
      }
      if (step !== undefined && step < 1) {
        return `${name} step "${part}" must be at least 1`;
      }
    }
  }
  return undefined;
}
