import { EventEmitter } from 'node:events';

import { defineTable } from '@datakit/contracts';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import { MAX_QUEUED_BATCHES, planRead, streamRows } from './read.ts';
import type { StreamingRequest } from './read.ts';
import { mssql } from './types.ts';

const table = defineTable({
  name: 'orders',
  schema: 'sales',
  columns: {
    id: mssql.int().primaryKey().source('Order Id'),
    paid: mssql.bit(),
    guid: mssql.uniqueidentifier().nullable(),
    label: mssql.nvarchar(20),
  },
});

/** A request that emits the rows it is given when the statement is sent, pausing as told. */
class FakeRequest extends EventEmitter implements StreamingRequest {
  stream = false;
  arrayRowMode = false;
  paused = false;
  pauses = 0;
  cancelled = false;
  statement = '';
  #rows: unknown[][];
  #next = 0;

  constructor(rows: unknown[][]) {
    super();
    this.#rows = rows;
  }
  query(statement: string): void {
    this.statement = statement;
    setImmediate(() => this.#pump());
  }
  pause(): void {
    this.paused = true;
    this.pauses += 1;
  }
  resume(): void {
    this.paused = false;
    setImmediate(() => this.#pump());
  }
  cancel(): void {
    this.cancelled = true;
  }
  #pump(): void {
    while (!this.paused && !this.cancelled && this.#next < this.#rows.length) {
      this.emit('row', this.#rows[this.#next++]);
    }
    if (this.#next === this.#rows.length && !this.paused) this.emit('done');
  }
}

describe('planRead', () => {
  it('reads every contract column by its source name', () => {
    const plan = planRead({ schema: 'sales', table, cursor: null, batchSize: 10, format: 'text' });
    expect(plan.statement).toContain('CONVERT(nvarchar(20), [Order Id]) AS c0');
    expect(plan.statement).toContain('FROM [sales].[orders]');
  });

  it('refuses a cursor on a column that cannot order a read', () => {
    expect(() =>
      planRead({
        schema: 'sales',
        table,
        cursor: { column: 'label', after: 'x' },
        batchSize: 10,
        format: 'text',
      }),
    ).toThrow(ConfigError);
  });

  it('refuses a contract type SQL Server does not have', () => {
    const pg = defineTable({
      name: 'pg',
      columns: { at: mssql.int(), bad: mssql.int() },
    });
    const broken = {
      ...pg,
      columns: { ...pg.columns, bad: { ...pg.columns.bad, sqlType: 'jsonb' } },
    };
    expect(() =>
      planRead({ schema: 'dbo', table: broken, cursor: null, batchSize: 1, format: 'text' }),
    ).toThrow(/type "jsonb", which the SQL Server adapter cannot read/);
  });
});

describe('streamRows', () => {
  const rows = Array.from({ length: 25 }, (_, i) => [
    String(i),
    i % 2 === 0 ? '1' : '0',
    null,
    `n${i}`,
  ]);

  async function read(request: FakeRequest, batchSize: number) {
    const plan = planRead({ schema: 'sales', table, cursor: null, batchSize, format: 'text' });
    const result = streamRows(
      { request: () => request, convert: (e) => new EnvironmentError(String(e)) },
      plan,
      batchSize,
    );
    if (result.kind !== 'fields') throw new Error('fields expected');
    return result.batches;
  }

  it('gives batches of canonical text, the last one short', async () => {
    const request = new FakeRequest(rows);
    const batches: (string | null)[][][] = [];
    for await (const batch of await read(request, 10)) batches.push(batch.map((row) => [...row]));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches[0]?.[1]).toEqual(['1', 'f', null, 'n1']);
    expect(request.stream).toBe(true);
    expect(request.arrayRowMode).toBe(true);
  });

  it(`pauses the driver while ${MAX_QUEUED_BATCHES} batches wait, and resumes when they are taken`, async () => {
    const request = new FakeRequest(rows);
    let count = 0;
    for await (const batch of await read(request, 5)) {
      count += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(count).toBe(25);
    expect(request.pauses).toBeGreaterThan(0);
  });

  it('cancels the statement when the reader stops early', async () => {
    const request = new FakeRequest(rows);
    for await (const batch of await read(request, 5)) {
      expect(batch).toHaveLength(5);
      break;
    }
    expect(request.cancelled).toBe(true);
  });

  it('throws a driver failure as the converted platform error', async () => {
    const request = new FakeRequest([]);
    request.query = () => setImmediate(() => request.emit('error', new Error('link down')));
    const consume = async () => {
      for await (const _batch of await read(request, 5)) {
        // nothing arrives
      }
    };
    await expect(consume()).rejects.toThrow(EnvironmentError);
  });
});
