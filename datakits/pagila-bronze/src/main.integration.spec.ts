import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { infraPaths, localInfra } from '@datakit/local-infra';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pagilaBronze } from './index.ts';

// Runs the datakit's entry point the way its image does: Node 24 (process.execPath under
// `npx vitest`), a verb, a config file, JSON lines on stdout.
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const infra = localInfra();
const secret = (role: string) =>
  `file:${join(infraPaths().postgresSecretsDir, `${role}.password`)}`;
/** A schema of its own per test run, dropped afterwards. */
const TARGET_SCHEMA = `bronze_it_${process.pid}_${Date.now().toString(36)}`;

const connection = (database: string, user: string, password = secret(user)) => ({
  kind: 'postgres',
  host: infra.postgres.host,
  port: infra.postgres.port,
  database,
  user,
  password,
  sslMode: 'disable',
});

const validConfig = {
  source: connection('pagila', 'pagila_reader'),
  target: connection('warehouse', 'warehouse_loader'),
  targetSchema: TARGET_SCHEMA,
};

interface MainRun {
  status: number | null;
  events: Record<string, unknown>[];
  stderr: string;
}

function runMain(verb: string, config: unknown, env: Record<string, string> = {}): MainRun {
  const dir = mkdtempSync(join(tmpdir(), 'pagila-bronze-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  const run = spawnSync(process.execPath, [MAIN, verb, '--config', file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return {
    status: run.status,
    events: run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: run.stderr.replaceAll(dir, '<dir>'),
  };
}

/** stderr without timestamped log lines: the one-paragraph error. */
const paragraph = (run: MainRun) =>
  run.stderr
    .split('\n')
    .filter((line) => !/^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO|WARN|ERROR) /.test(line))
    .join('\n')
    .trim();

const admin = () => new pg.Client(infra.postgres.connection('datakit_admin', 'warehouse'));

/** Runs SQL as the admin role in `database` (the warehouse unless said otherwise). */
async function asAdmin<T extends pg.QueryResultRow>(
  sql: string,
  database: 'warehouse' | 'pagila' = 'warehouse',
): Promise<T[]> {
  const client = new pg.Client(infra.postgres.connection('datakit_admin', database));
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('pagila-bronze main with bad input', () => {
  it('reports a config file that is not JSON with exit code 2 and no stack trace', () => {
    const run = runMain('run', '{ "source": ');

    expect(run.status).toBe(2);
    expect(run.events.find((e) => e.type === 'error')).toMatchObject({
      failure_type: 'config_error',
    });
    expect(paragraph(run)).toMatchInlineSnapshot(`
      "The config file <dir>/config.json is not valid JSON: Unexpected end of JSON input.
      Fix the syntax (JSON allows no comments and no trailing commas); \`spec\` prints the JSON Schema of the file."
    `);
  });

  it('reports an unknown field with exit code 2, naming the file and the field', () => {
    const run = runMain('run', { ...validConfig, batchsize: 10 });

    expect(run.status).toBe(2);
    expect(paragraph(run)).toMatchInlineSnapshot(`
      "The config file <dir>/config.json has 1 problem:
        - (top level): unknown field "batchsize"; remove or rename it
      Fix the fields above; \`spec\` prints the JSON Schema of the file under "config"."
    `);
  });

  it('reports a wrong password with exit code 5, never the password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagila-bronze-pw-'));
    writeFileSync(join(dir, 'pw'), 'wrong-password-123\n');

    const run = runMain('run', {
      ...validConfig,
      source: connection('pagila', 'pagila_reader', `file:${dir}/pw`),
    });

    expect(run.status).toBe(5);
    expect(run.stderr).not.toContain('wrong-password-123');
    expect(paragraph(run).replaceAll(dir, '<pwdir>')).toMatchInlineSnapshot(`
      "The source database pagila at 127.0.0.1:5432 as pagila_reader refused the login: password authentication failed for user "pagila_reader".
      Check the user and the password secret (file:<pwdir>/pw), and pg_hba.conf on the server."
    `);
  });

  it('reports a server that asks for Kerberos with exit code 5, not a crash', () => {
    // kerberos_reader's pg_hba line is gss: the server answers a password client with a GSSAPI
    // request, which node-postgres's JavaScript client cannot speak.
    const run = runMain('run', {
      ...validConfig,
      source: connection('pagila', 'kerberos_reader', secret('pagila_reader')),
    });

    expect(run.status).toBe(5);
    expect(paragraph(run)).toMatchInlineSnapshot(`
      "The source database pagila at 127.0.0.1:5432 as kerberos_reader asks for a Kerberos (GSSAPI) login, and this connection is configured for a password.
      Set auth: kerberos on this connection (the datakit then logs in with the sidecar's ticket), or have pg_hba.conf give this user a password method."
    `);
  });

  it('reports a port nobody listens on with exit code 5', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));

    const run = runMain('run', { ...validConfig, source: { ...validConfig.source, port } });

    expect(run.status).toBe(5);
    expect(run.events.find((e) => e.type === 'error')).toMatchObject({
      failure_type: 'environment_error',
    });
    expect(paragraph(run).replace(String(port), '<port>')).toMatchInlineSnapshot(`
      "The source database pagila at 127.0.0.1:<port> as pagila_reader cannot be reached: the connection was refused (nothing listens on that port).
      Check host and port in the config file and that the database server is running and reachable from this container."
    `);
  });
});

describe('pagila-bronze main against pagila and the warehouse', () => {
  beforeAll(async () => {
    await asAdmin(`create schema ${TARGET_SCHEMA} authorization warehouse_loader`);
  });

  afterAll(async () => {
    await asAdmin(`drop schema if exists ${TARGET_SCHEMA} cascade`);
  });

  it('checks pagila and an empty target schema: tables to create are not drift', () => {
    const run = runMain('check', validConfig);
    const check = run.events[0] as {
      type: string;
      result: { source: { breaking: unknown[] }[]; target: { ok: boolean }[] };
    };

    // pagila-source declares payment's key as (payment_id, payment_date) and pagila has
    // (payment_date, payment_id): the same key, so not drift.
    expect(check.type).toBe('check');
    expect(check.result.target.every((r) => r.ok)).toBe(true);
    expect(check.result.source.flatMap((r) => r.breaking)).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('loads every pagila table into the target schema with the source row counts', async () => {
    const run = runMain('run', validConfig);

    expect(paragraph(run)).toBe('');
    expect(run.status).toBe(0);
    const summary = run.events.at(-1);
    expect(summary).toMatchObject({
      type: 'summary',
      status: 'succeeded',
      tables: 15,
      rejected: 0,
    });

    const source = new pg.Client(infra.postgres.connection('pagila_reader', 'pagila'));
    const target = admin();
    await Promise.all([source.connect(), target.connect()]);
    try {
      for (const table of pagilaBronze.tables) {
        const count = async (client: pg.Client, name: string) =>
          Number(
            (await client.query<{ n: string }>(`select count(*) as n from ${name}`)).rows[0]?.n,
          );
        const expected = await count(source, `public.${table.source.name}`);
        expect([
          table.target.name,
          await count(target, `${TARGET_SCHEMA}.${table.target.name}`),
        ]).toEqual([table.target.name, expected]);
        const event = run.events.find(
          (e) => e.type === 'table' && e.table === `${TARGET_SCHEMA}.${table.target.name}`,
        );
        expect(event).toMatchObject({ read: expected, written: expected, rejected: 0 });
      }
      // Every table crosses in binary COPY, film too (numeric and arrays have binary codecs;
      // its tsvector, which the target drops, is read as text inside the binary stream).
      const formats = Object.fromEntries(
        run.events.filter((e) => e.type === 'table').map((e) => [e.table, e.format]),
      );
      expect(formats).toMatchObject({
        [`${TARGET_SCHEMA}.rental`]: 'binary',
        [`${TARGET_SCHEMA}.actor`]: 'binary',
        [`${TARGET_SCHEMA}.film`]: 'binary',
      });
    } finally {
      await Promise.all([source.end(), target.end()]);
    }
  });
});

describe('pagila-bronze main when the source drifts', () => {
  const SOURCE_SCHEMA = `drift_src_${process.pid}_${Date.now().toString(36)}`;
  const DRIFT_TARGET = `${TARGET_SCHEMA}_drift`;
  const config = {
    ...validConfig,
    sourceSchema: SOURCE_SCHEMA,
    targetSchema: DRIFT_TARGET,
    tables: ['rental'],
  };

  const onPagila = (sql: string) => asAdmin(sql, 'pagila');

  /** A fresh copy of pagila's rental (same columns, key and NOT NULLs) as the source. */
  const freshSource = () =>
    onPagila(
      `drop schema if exists ${SOURCE_SCHEMA} cascade;
       create schema ${SOURCE_SCHEMA};
       create table ${SOURCE_SCHEMA}.rental (like public.rental including defaults including constraints);
       alter table ${SOURCE_SCHEMA}.rental add primary key (rental_id);
       insert into ${SOURCE_SCHEMA}.rental select * from public.rental where rental_id <= 2000;
       grant usage on schema ${SOURCE_SCHEMA} to pagila_reader;
       grant select on all tables in schema ${SOURCE_SCHEMA} to pagila_reader;`,
    );

  async function targetFingerprint(): Promise<string> {
    const [row] = await asAdmin<{ fp: string }>(
      `select count(*) || ':' || md5(string_agg(t::text, '|' order by rental_id)) as fp
       from ${DRIFT_TARGET}.rental t`,
    );
    return row?.fp ?? '';
  }

  beforeAll(async () => {
    await freshSource();
    await asAdmin(`create schema ${DRIFT_TARGET} authorization warehouse_loader`);
    const first = runMain('run', config);
    expect([first.status, paragraph(first)]).toEqual([0, '']);
  });

  afterAll(async () => {
    await onPagila(`drop schema if exists ${SOURCE_SCHEMA} cascade`);
    await asAdmin(`drop schema if exists ${DRIFT_TARGET} cascade`);
  });

  it.each([
    ['a dropped column', 'alter table %s drop column return_date', /return_date: column missing/],
    ['a renamed column', 'alter table %s rename column customer_id to client_id', /customer_id/],
    ['a changed type', 'alter table %s alter column staff_id type text', /staff_id: type changed/],
    [
      'a column made nullable',
      'alter table %s alter column inventory_id drop not null',
      /inventory_id: .*null/i,
    ],
    ['a dropped primary key', 'alter table %s drop constraint rental_pkey', /primary key/],
  ])(
    'stops %s before writing any row, with exit code 3 naming table and column',
    async (_what, change, expected) => {
      await freshSource();
      // New rows and a changed row the run would write if it did not stop.
      await onPagila(
        `update ${SOURCE_SCHEMA}.rental set last_update = now() where rental_id <= 10;
         ${change.replace('%s', `${SOURCE_SCHEMA}.rental`)}`,
      );
      const before = await targetFingerprint();

      const run = runMain('run', config);

      expect(run.status).toBe(3);
      expect(run.events.find((e) => e.type === 'error')).toMatchObject({
        failure_type: 'drift_error',
      });
      expect(paragraph(run)).toContain(`${SOURCE_SCHEMA}.rental`);
      expect(paragraph(run)).toMatch(expected);
      expect(paragraph(run)).toContain('No rows were moved.');
      expect(paragraph(run)).not.toMatch(/\n\s+at /);
      expect(await targetFingerprint()).toBe(before);
    },
  );
});
