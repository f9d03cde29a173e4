// Load options for the loader's tests: a merge with no rejects allowed, sides and contracts given.
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { postgresSession } from '../../connect.ts';
import type { LoadTableOptions } from '../load-table.ts';

/** The sessions and schemas a test load reads from and writes to. */
export interface LoadSides {
  source: pg.Client;
  target: pg.Client;
  sourceSchema: string;
  targetSchema: string;
}

/** Overrides of a test load: a plain source client, and whether it is read with a cursor. */
export type TestLoadOverrides = Partial<Omit<LoadTableOptions, 'source'>> & {
  source?: pg.Client;
  /** `cursor` reads the source as libpq's native binding is read (a server-side cursor). */
  read?: 'copy' | 'cursor';
};

/** A merge of one table between scratch schemas, a fresh run id each time. */
export function testLoadOptions(
  contracts: Pick<LoadTableOptions, 'sourceTable' | 'targetTable' | 'transform' | 'cursor'>,
  sides: LoadSides,
  overrides: TestLoadOverrides = {},
): LoadTableOptions {
  const { source = sides.source, read, ...rest } = overrides;
  return {
    runId: randomUUID(),
    datakit: 'loader-test',
    contractHash: 'sha256:test',
    ...sides,
    ...contracts,
    mode: 'merge',
    batchSize: 500,
    rejectThreshold: 0,
    extraColumns: 'discard',
    ...rest,
    source: testSourceSession(source, read === 'cursor'),
  };
}

/** A source session around a connected test client. */
export function testSourceSession(client: pg.Client, viaCursor = false) {
  return postgresSession('source', TEST_CONNECTION, client, 'test source', { viaCursor });
}

const TEST_CONNECTION = {
  kind: 'postgres',
  host: '127.0.0.1',
  port: 5432,
  database: 'test',
  user: 'test',
  auth: 'password',
  schema: 'public',
  sslMode: 'disable',
} as const;
