import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EnvironmentError } from '@datakit/errors';
import { infraPaths, localInfra } from '@datakit/local-infra';
import { parseSecretRef } from '@datakit/secrets';
import type { Connection } from '@datakit/warehouse';
import { describe, expect, it } from 'vitest';

import { openSource } from '../create-adapter.ts';
import type { PostgresSession } from './connect.ts';

const infra = localInfra();
const passwordFile = (role: string) => join(infraPaths().postgresSecretsDir, `${role}.password`);

function pagila(overrides: Partial<Connection> = {}): Connection {
  return {
    kind: 'postgres',
    host: infra.postgres.host,
    port: infra.postgres.port,
    database: 'pagila',
    user: 'pagila_reader',
    auth: 'password',
    password: parseSecretRef(`file:${passwordFile('pagila_reader')}`),
    schema: 'public',
    sslMode: 'disable',
    ...overrides,
  } as Connection;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failure(connection: Connection): Promise<EnvironmentError> {
  const error = await openSource('source', connection).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvironmentError);
  return error as EnvironmentError;
}

describe('openPostgres against the local PostgreSQL', () => {
  it('logs in with a password read from a file: reference, session in UTC', async () => {
    const open = (await openSource('source', pagila())) as PostgresSession;
    try {
      const { rows } = await open.client.query<{ tz: string }>(
        "select current_setting('TimeZone') as tz",
      );
      expect(rows[0]?.tz).toBe('UTC');
      expect(open.label).toBe('source database pagila at 127.0.0.1:5432 as pagila_reader');
    } finally {
      await open.close();
    }
  });

  it('reports a wrong password as an environment error naming the secret, not the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runtime-pw-'));
    writeFileSync(join(dir, 'pw'), 'not-the-password\n');

    const error = await failure(
      pagila({ password: parseSecretRef(`file:${dir}/pw`) } as Partial<Connection>),
    );

    expect(error.message).toMatchInlineSnapshot(
      `"The source database pagila at 127.0.0.1:5432 as pagila_reader refused the login: password authentication failed for user "pagila_reader"."`,
    );
    expect(error.hint).toContain(`file:${dir}/pw`);
  });

  it('reports a port nobody listens on as unreachable', async () => {
    const port = await freePort();

    const error = await failure(pagila({ port }));

    expect(error.message.replace(String(port), '<port>')).toMatchInlineSnapshot(
      `"The source database pagila at 127.0.0.1:<port> as pagila_reader cannot be reached: the connection was refused (nothing listens on that port)."`,
    );
  });

  it('reports a database that does not exist', async () => {
    const error = await failure(pagila({ database: 'no_such_db' }));
    expect(error.message).toContain('database "no_such_db" does not exist');
  });

  it('reports a missing password file before connecting', async () => {
    const error = await failure(
      pagila({ password: parseSecretRef('file:/nonexistent/pw') } as Partial<Connection>),
    );
    expect(error.message).toContain('The source password cannot be read from file:/nonexistent/pw');
  });
});
