// Load options for the loader's tests: a merge with no rejects allowed, sides and contracts given.
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { LoadTableOptions } from '../load-table.ts';

/** The sessions and schemas a test load reads from and writes to. */
export interface LoadSides {
  source: pg.Client;
  target: pg.Client;
  sourceSchema: string;
  targetSchema: string;
}

/** A merge of one table between scratch schemas, a fresh run id each time. */
export function testLoadOptions(
  contracts: Pick<LoadTableOptions, 'sourceTable' | 'targetTable' | 'transform' | 'cursor'>,
  sides: LoadSides,
  overrides: Partial<LoadTableOptions> = {},
): LoadTableOptions {
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
    ...overrides,
  };
}
