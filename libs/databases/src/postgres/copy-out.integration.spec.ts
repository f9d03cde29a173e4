import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { copyOut } from './copy-out.ts';
import { loaderConfig } from './write/__fixtures__/scratch-db.ts';

// Real PostgreSQL (npm run infra:up): the loader's COPY reader against pg-copy-streams (an
// independent reader of the same protocol) on the same queries, and the protocol's other
// messages met in the middle of a copy (notices, an error).
const client = new pg.Client(loaderConfig);

beforeAll(async () => {
  await client.connect();
  await client.query(`
    CREATE FUNCTION pg_temp.noisy(i integer) RETURNS integer LANGUAGE plpgsql AS $$
    BEGIN
      IF i % 25000 = 0 THEN RAISE NOTICE 'at row %', i; END IF;
      RETURN i;
    END $$`);
});
afterAll(() => client.end());

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const ROWS = `SELECT g, g * 1.5 AS x, repeat(md5(g::text), g % 7) AS t, now() + g * interval '1 s' AS at,
  CASE WHEN g % 3 = 0 THEN NULL ELSE ARRAY[g, -g] END AS a FROM generate_series(1, 200000) g`;

describe('copyOut on real PostgreSQL', () => {
  for (const format of ['binary', 'text'] as const) {
    it(`gives the bytes pg-copy-streams gives (${format})`, async () => {
      await client.query('BEGIN');
      try {
        const sql = `COPY (${ROWS}) TO STDOUT${format === 'binary' ? ' (FORMAT binary)' : ''}`;
        const ours = client.query(copyOut(sql));
        const got = await bytes(ours);
        const theirs = await bytes(client.query(copyTo(sql)));
        expect(got.length).toBeGreaterThan(5_000_000);
        expect(got.equals(theirs)).toBe(true);
        expect(ours.rowCount).toBe(200_000);
      } finally {
        await client.query('COMMIT');
      }
    });
  }

  it('reads past the notices the server sends in the middle of the copy', async () => {
    const sql = 'COPY (SELECT pg_temp.noisy(g) FROM generate_series(1, 100000) g) TO STDOUT';
    const got = (await bytes(client.query(copyOut(sql)))).toString();
    const expected = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join('');
    expect(got === expected).toBe(true);
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it("fails with the server's error when the query fails in the middle, and the session goes on", async () => {
    const stream = client.query(
      copyOut('COPY (SELECT 1 / (g - 150000) FROM generate_series(1, 200000) g) TO STDOUT'),
    );
    let received = 0;
    const failure = await (async () => {
      try {
        for await (const chunk of stream) received += (chunk as Buffer).length;
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(failure?.message).toBe('division by zero');
    expect(received).toBeGreaterThan(0);
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails with the error of a query that never starts copying', async () => {
    await expect(
      bytes(client.query(copyOut('COPY (SELECT * FROM no_such_table) TO STDOUT'))),
    ).rejects.toThrow('relation "no_such_table" does not exist');
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
