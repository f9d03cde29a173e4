import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { localInfra } from './environment.ts';
import { infraPaths } from './paths.ts';
import { addLocalSource, ensureLocalSources, listLocalSources } from './sources.ts';

// Against the running local PostgreSQL, under a database name of this run's own.
const paths = infraPaths();
const engine = new DockerEngine();
const database = `srctest_${randomBytes(3).toString('hex')}`;
const role = `${database}_reader`;
const dir = mkdtempSync(join(tmpdir(), 'datakit-sources-'));
const sql = (file: string, text: string): string => {
  writeFileSync(join(dir, file), text);
  return join(dir, file);
};
const first = sql(
  'one.sql',
  'create table "Item" (id int primary key, "Name" text);\ninsert into "Item" values (1, \'a\'), (2, \'b\');\n',
);
const second = sql(
  'two.sql',
  'create table "Item" (id int primary key);\ninsert into "Item" values (7);\n',
);

async function asAdmin<T>(db: string, query: string): Promise<T[]> {
  const client = new pg.Client(localInfra().postgres.connection('datakit_admin', db));
  await client.connect();
  try {
    return (await client.query(query)).rows as T[];
  } finally {
    await client.end();
  }
}

async function asReader(query: string): Promise<unknown[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: 5432,
    user: role,
    database,
    password: readFileSync(join(paths.postgresSecretsDir, `${role}.password`), 'utf8').trim(),
  });
  await client.connect();
  try {
    return (await client.query(query)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await asAdmin('postgres', `drop database if exists ${database} with (force)`);
  await asAdmin('postgres', `drop role if exists ${role}`);
  for (const file of [
    join(paths.stateDir, 'sources', `${database}.json`),
    join(paths.stateDir, 'sources', `${database}.sql`),
    join(paths.postgresSecretsDir, `${role}.password`),
    join(paths.datakitSecretsDir, `${role}.password`),
  ])
    rmSync(file, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('addLocalSource', () => {
  it('loads a SQL file into a new database that its reader role can read and not write', async () => {
    const result = await addLocalSource({ database, sqlFile: first, engine });
    expect(result).toMatchObject({ database: 'created', source: { role } });
    expect(await asReader('select id, "Name" from "Item" order by id')).toEqual([
      { id: 1, Name: 'a' },
      { id: 2, Name: 'b' },
    ]);
    await expect(asReader('insert into "Item" values (3, \'c\')')).rejects.toThrow(
      /permission denied/,
    );
    expect(existsSync(join(paths.datakitSecretsDir, `${role}.password`))).toBe(true);
    expect(listLocalSources(paths).map((s) => s.database)).toContain(database);
  });

  it('changes nothing when run again with the same file', async () => {
    const result = await addLocalSource({ database, sqlFile: first, engine });
    expect(result.database).toBe('unchanged');
  });

  it('refuses another file under the same name unless replace, then loads it', async () => {
    await expect(addLocalSource({ database, sqlFile: second, engine })).rejects.toThrow(
      ConfigError,
    );
    const result = await addLocalSource({ database, sqlFile: second, engine, replace: true });
    expect(result.database).toBe('replaced');
    expect(await asReader('select id from "Item"')).toEqual([{ id: 7 }]);
  });

  it('refuses a file that does not load, naming it, and keeps the recorded source', async () => {
    const broken = sql('broken.sql', 'create table x (id int);\nselect nope;\n');
    const error = await addLocalSource({ database, sqlFile: broken, engine, replace: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(broken);
    expect(listLocalSources(paths).find((s) => s.database === database)?.from).toBe(second);
  });

  it('is made again by infra:up (ensureLocalSources) when its database is gone', async () => {
    await asAdmin('postgres', `drop database if exists ${database} with (force)`);
    const outcomes = await ensureLocalSources(engine, paths);
    expect(outcomes[database]).toBe('created');
    expect(await asReader('select id from "Item"')).toEqual([{ id: 7 }]);
  });
});
