import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { DockerEngine } from '@datakit/docker';
import { DockerEngine as Engine } from '@datakit/docker';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { infraPaths, type InfraPaths } from './paths.ts';
import { ensureSourceRoleSecret } from './secrets.ts';

/**
 * A source database that `infra:add-source` added to the local PostgreSQL, as recorded in
 * `.infra/sources/<database>.json` beside a copy of its SQL file, so that `infra:up` can make
 * it again after `infra:down --volumes` (or on a new data volume).
 */
export interface LocalSource {
  /** The database, also the record's name, e.g. `shop`. */
  database: string;
  /** Its read-only role, `<database>_reader`; its password is `.infra/secrets/*\/<role>.password`. */
  role: string;
  /** The SQL file it was loaded from, as given (for people: the copy is what is replayed). */
  from: string;
  /** sha256 of the SQL file's bytes, to tell a changed file from the same one. */
  sqlSha256: string;
}

/** What `addLocalSource` did. */
export interface AddLocalSourceResult {
  source: LocalSource;
  /** `created`: a new database; `replaced`: dropped and loaded again; `unchanged`: already there. */
  database: 'created' | 'replaced' | 'unchanged';
  /** The secret file local warehouses reference, e.g. `/run/secrets/datakit/shop_reader.password`. */
  secretReference: string;
}

/** Options of `addLocalSource`. */
export interface AddLocalSourceOptions {
  /** Database name: lower case letters, digits and `_`, starting with a letter. */
  database: string;
  /** A SQL file of schema and data (plain `pg_dump` output or hand-written), run in the new database. */
  sqlFile: string;
  /** Drop and load the database again when it exists from another SQL file. */
  replace?: boolean;
  paths?: InfraPaths;
  engine?: DockerEngine;
}

const NAME = /^[a-z][a-z0-9_]{0,54}$/;
const TAKEN = new Set(['pagila', 'warehouse', 'postgres', 'template0', 'template1']);
const CONTAINER = 'datakit-postgres';
/** Inside the container: where the SQL files are copied to before psql runs them. */
const STAGING = '/tmp';
/** psql as the superuser over the container's socket (peer authentication, no password). */
const PSQL = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '/tmp', '-U', 'postgres'];

/**
 * Adds a source database to the local PostgreSQL: the database loaded from a SQL file, a
 * read-only role `<database>_reader` with a generated password (a secret file under `.infra/`,
 * also where local warehouses mount theirs), and a record under `.infra/sources/` that
 * `infraUp` replays. Running it again with the same file changes nothing; another file is
 * refused unless `replace`. The SQL runs as the PostgreSQL superuser inside the container.
 */
export async function addLocalSource(
  options: AddLocalSourceOptions,
): Promise<AddLocalSourceResult> {
  const paths = options.paths ?? infraPaths();
  const database = options.database;
  if (!NAME.test(database) || TAKEN.has(database)) {
    throw new ConfigError(
      `"${database}" cannot name a source database: ${TAKEN.has(database) ? 'the local infrastructure uses that name' : 'it must match ^[a-z][a-z0-9_]{0,54}$'}.`,
      { hint: 'Choose a lower-case name of letters, digits and _, e.g. shop.' },
    );
  }
  const sqlFile = resolve(options.sqlFile);
  if (!existsSync(sqlFile) || !statSync(sqlFile).isFile()) {
    throw new ConfigError(`--sql ${options.sqlFile}: no such file.`, {
      hint: 'Name a SQL file of schema and data, e.g. a pg_dump of the source.',
    });
  }
  const bytes = readFileSync(sqlFile);
  const source: LocalSource = {
    database,
    role: `${database}_reader`,
    from: sqlFile,
    sqlSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  const recorded = readRecord(paths, database);
  if (recorded && recorded.sqlSha256 !== source.sqlSha256 && !options.replace) {
    throw new ConfigError(
      `Source database "${database}" was added from ${recorded.from}, whose content differs from ${sqlFile}.`,
      { hint: 'Add it under another name, or pass --replace to drop it and load the new file.' },
    );
  }
  const engine = options.engine ?? new Engine();
  await requirePostgres(engine);
  const dir = sourcesDir(paths);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The copy takes the recorded one's place only once it loaded: a file that failed to load is
  // never what the next `infra:up` replays.
  const staged = join(dir, `${database}.sql.new`);
  copyFileSync(sqlFile, staged);
  const reload = recorded !== undefined && recorded.sqlSha256 !== source.sqlSha256;
  let outcome: AddLocalSourceResult['database'];
  try {
    outcome = await ensureSource(engine, paths, source, reload, staged);
  } catch (error) {
    rmSync(staged, { force: true });
    throw error;
  }
  renameSync(staged, join(dir, `${database}.sql`));
  writeFileSync(join(dir, `${database}.json`), `${JSON.stringify(source, null, 2)}\n`);
  return {
    source,
    database: outcome,
    secretReference: `/run/secrets/datakit/${source.role}.password`,
  };
}

/** The source databases recorded under `.infra/sources/`, by name. */
export function listLocalSources(paths: InfraPaths = infraPaths()): LocalSource[] {
  const dir = sourcesDir(paths);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => readRecord(paths, basename(file, '.json')))
    .filter((source): source is LocalSource => source !== undefined);
}

/**
 * Makes every recorded source database exist again (after `infra:down --volumes`, or on a new
 * data volume), with its role, password and grants; those already there are left as they are.
 * Called by `infraUp` once PostgreSQL answers. Returns what was created, by database.
 */
export async function ensureLocalSources(
  engine: DockerEngine,
  paths: InfraPaths,
): Promise<Record<string, 'created' | 'unchanged'>> {
  const outcomes: Record<string, 'created' | 'unchanged'> = {};
  for (const source of listLocalSources(paths)) {
    const sql = join(sourcesDir(paths), `${source.database}.sql`);
    outcomes[source.database] = (await ensureSource(engine, paths, source, false, sql)) as
      'created' | 'unchanged';
  }
  return outcomes;
}

function sourcesDir(paths: InfraPaths): string {
  return join(paths.stateDir, 'sources');
}

function readRecord(paths: InfraPaths, database: string): LocalSource | undefined {
  const file = join(sourcesDir(paths), `${database}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalSource;
  } catch {
    throw new ConfigError(`${file} is not the JSON infra:add-source writes.`, {
      hint: `Delete it and run \`npm run infra:add-source -- ${database} --sql <file>\` again.`,
    });
  }
}

async function requirePostgres(engine: DockerEngine): Promise<void> {
  const state = (await engine.ping()) ? await engine.containerState(CONTAINER) : undefined;
  if (state?.running !== true) {
    throw new EnvironmentError(
      'The local PostgreSQL (container datakit-postgres) is not running.',
      {
        hint: 'Run `npm run infra:up` first.',
      },
    );
  }
}

/** Role, password, database (loaded when missing, or again when `reload`) and grants. */
async function ensureSource(
  engine: DockerEngine,
  paths: InfraPaths,
  source: LocalSource,
  reload: boolean,
  sqlFile: string,
): Promise<'created' | 'replaced' | 'unchanged'> {
  const { database, role } = source;
  ensureSourceRoleSecret(paths.postgresSecretsDir, paths.datakitSecretsDir, role);
  const psql = async (db: string, sql: string, what: string): Promise<string> => {
    const result = await runSqlFile(engine, db, sql);
    if (result.exitCode !== 0) throw new ConfigError(`${what} failed: ${lastLines(result.stderr)}`);
    return result.stdout.trim();
  };
  // Role and password as platform/postgres/bootstrap.sql sets them: psql reads the password
  // file itself, so it is on no command line and in no log.
  await psql(
    'postgres',
    `select format('create role %I', '${role}') where not exists (select 1 from pg_roles where rolname = '${role}')
\\gexec
\\set pw \`tr -d '\\n' < /run/secrets/postgres/${role}.password\`
alter role ${role} with login nosuperuser nocreatedb nocreaterole password :'pw';
`,
    `Creating role ${role}`,
  );
  const exists =
    (await psql(
      'postgres',
      `select 1 from pg_database where datname = '${database}'`,
      `Looking up database ${database}`,
    )) === '1';
  let outcome: 'created' | 'replaced' | 'unchanged' = 'unchanged';
  if (!exists || reload) {
    outcome = exists ? 'replaced' : 'created';
    await psql(
      'postgres',
      `drop database if exists ${database} with (force);\ncreate database ${database};`,
      `Creating database ${database}`,
    );
    const staged = basename(sqlFile);
    await engine.copyFileInto(CONTAINER, sqlFile, STAGING, 999);
    const load = await engine.exec(
      CONTAINER,
      [...PSQL, '--single-transaction', '-d', database, '-f', `${STAGING}/${staged}`],
      'postgres',
    );
    await engine.exec(CONTAINER, ['rm', '-f', `${STAGING}/${staged}`], 'postgres');
    if (load.exitCode !== 0) {
      await psql('postgres', `drop database if exists ${database} with (force);`, 'Cleaning up');
      throw new ConfigError(`${source.from}: loading it into database ${database} failed.`, {
        hint: `psql said: ${lastLines(load.stderr)}\nFix the file and run infra:add-source again${reload ? ' (until then infra:up loads the file added before)' : ''}.`,
      });
    }
  }
  // Read-only: connect, usage and select on every schema the file made, now and later.
  await psql(
    database,
    `grant connect on database ${database} to ${role};
select format('grant usage on schema %I to ${role}', nspname),
       format('grant select on all tables in schema %I to ${role}', nspname),
       format('alter default privileges in schema %I grant select on tables to ${role}', nspname)
from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'
\\gexec
`,
    `Granting ${role} read access to ${database}`,
  );
  return outcome;
}

/** Runs a psql script inside the container as the superuser, over the local socket. */
async function runSqlFile(
  engine: DockerEngine,
  database: string,
  sql: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'datakit-source-'));
  const name = `datakit-${basename(dir)}.sql`;
  try {
    writeFileSync(join(dir, name), sql);
    await engine.copyFileInto(CONTAINER, join(dir, name), STAGING, 999);
    return await engine.exec(
      CONTAINER,
      [...PSQL, '-tA', '-d', database, '-f', `${STAGING}/${name}`],
      'postgres',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await engine
      .exec(CONTAINER, ['rm', '-f', `${STAGING}/${name}`], 'postgres')
      .catch(() => undefined);
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n') || 'no output';
}
