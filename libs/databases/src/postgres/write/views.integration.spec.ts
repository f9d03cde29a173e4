import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { compareLiveTables } from '@datakit/drift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testLoadOptions, testSourceSession } from './__fixtures__/load-options.ts';
import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { loadTable } from './load-table.ts';

// Real PostgreSQL (npm run infra:up): a view is a readable source. The catalog knows no key
// and no NOT NULL for a view's columns, so the contract's own are taken: no false drift, and
// the rows load exactly, twice.
const SRC = scratchSchema('vw_src');
const DST = scratchSchema('vw_dst');
const db = new ScratchDb();
const { source, target, sql } = db;

const ActiveCustomer = defineTable({
  name: 'active_customer',
  columns: {
    customer_id: col.integer().primaryKey(),
    email: col.text(),
    nickname: col.text().nullable(),
  },
});
const BronzeActiveCustomer = withAudit(
  defineTable({
    name: 'active_customer',
    schema: 'bronze',
    columns: {
      customer_id: col.integer().primaryKey(),
      email: col.text(),
      nickname: col.text().nullable(),
    },
  }),
);
const toBronze = defineTransform({
  from: ActiveCustomer,
  to: BronzeActiveCustomer,
  map: (row) => ({ ...row }),
});

describe('a view as a source', () => {
  beforeAll(async () => {
    await db.connect();
    await sql(`create schema ${SRC}`);
    await sql(
      `create table ${SRC}.customer (customer_id integer primary key, email text not null,
         nickname text, active boolean not null)`,
    );
    await sql(
      `insert into ${SRC}.customer
         select g, 'c' || g || '@example.com', case when g % 4 = 0 then null else 'n' || g end,
                g % 3 <> 0
           from generate_series(1, 600) g`,
    );
    await sql(
      `create view ${SRC}.active_customer as
         select customer_id, email, nickname from ${SRC}.customer where active`,
    );
  });
  afterAll(() => db.close([SRC, DST], 'vw_dst'));

  const drift = async (contract: typeof ActiveCustomer) =>
    (
      await compareLiveTables(testSourceSession(source), [{ schema: SRC, table: contract }], {
        side: 'source',
        extraColumns: 'freeze',
      })
    )[0]!;

  it('finds no drift: the key and NOT NULL come from the contract', async () => {
    const result = await drift(ActiveCustomer);
    expect(result.tables[0]).toMatchObject({ exists: true, changes: [] });
    expect(result.ok).toBe(true);
  });

  it('still reports what a view really lacks or types differently', async () => {
    const Wrong = defineTable({
      name: 'active_customer',
      columns: {
        customer_id: col.integer().primaryKey(),
        email: col.varchar(20),
        phone: col.text(),
      },
    });
    const result = await drift(Wrong as unknown as typeof ActiveCustomer);
    expect(result.ok).toBe(false);
    expect(result.breaking.map((c) => `${c.kind} ${c.column}`).sort()).toEqual([
      'extra-column nickname',
      'missing-column phone',
      'type email',
    ]);
  });

  it('loads the rows the view shows exactly, and a second run changes nothing', async () => {
    const options = () =>
      testLoadOptions(
        {
          sourceTable: ActiveCustomer,
          targetTable: BronzeActiveCustomer,
          transform: toBronze,
          cursor: null,
        },
        { source, target, sourceSchema: SRC, targetSchema: DST },
      );
    expect(await loadTable(options())).toMatchObject({ read: 400, written: 400, rejected: 0 });
    expect(await loadTable(options())).toMatchObject({ read: 400, written: 0, rejected: 0 });
    const fingerprint = async (from: string) =>
      (
        await sql<{ md5: string }>(
          `select md5(string_agg(concat_ws('|', a, b, c), ',' order by a)) as md5 from (${from}) t(a, b, c)`,
        )
      )[0]?.md5;
    expect(
      await fingerprint(`select customer_id, email, nickname from ${DST}.active_customer`),
    ).toBe(
      await fingerprint(`select customer_id, email, nickname from ${SRC}.customer where active`),
    );
  });
});
