import { describe, expect, expectTypeOf, it } from 'vitest';

import { withAudit } from './audit.ts';
import { col } from './column.ts';
import { makeFactory } from './make-factory.ts';
import { defineTable } from './table.ts';
import type { RowOf } from './table.ts';
import { defineTransform, runTransform } from './transform.ts';

const CustomerV1 = defineTable({
  name: 'customer',
  columns: {
    customer_id: col.integer().primaryKey(),
    first_name: col.text(),
    email: col.text().nullable(),
    last_update: col.timestamptz().cursor(),
  },
});

/** Version 2 of the source: `email` renamed to `email_address`, `first_name` dropped. */
const CustomerV2 = defineTable({
  name: 'customer',
  columns: {
    customer_id: col.integer().primaryKey(),
    email_address: col.text().nullable(),
    last_update: col.timestamptz().cursor(),
  },
});

const BronzeCustomer = withAudit(
  defineTable({
    name: 'customer',
    schema: 'bronze',
    columns: {
      id: col.integer().primaryKey(),
      first_name: col.varchar(10),
      email: col.text(),
    },
  }),
);

const customerToBronze = defineTransform({
  from: CustomerV1,
  to: BronzeCustomer,
  map: (row) =>
    row.email === null
      ? null
      : { id: row.customer_id, first_name: row.first_name, email: row.email },
});

describe('defineTransform', () => {
  it('names the transform after its tables unless told otherwise', () => {
    expect(customerToBronze.name).toBe('customer_to_customer');
    expect(
      defineTransform({ name: 'x', from: CustomerV1, to: BronzeCustomer, map: () => null }).name,
    ).toBe('x');
  });

  it('types map as a function from the source row to the target row without audit columns', () => {
    expectTypeOf(customerToBronze.map).parameter(0).toEqualTypeOf<RowOf<typeof CustomerV1>>();
    expectTypeOf(customerToBronze.map).returns.toEqualTypeOf<{
      id: number;
      first_name: string;
      email: string;
    } | null>();
  });

  it('breaks compilation of a transform that reads a renamed or dropped source column', () => {
    expectTypeOf<RowOf<typeof CustomerV2>>().not.toHaveProperty('email');
    expectTypeOf<RowOf<typeof CustomerV2>>().not.toHaveProperty('first_name');

    // The same transform written against version 2 of the source. Each @ts-expect-error line
    // fails `tsc` (as an unused directive) if the source contract still has the column.
    defineTransform({
      from: CustomerV2,
      to: BronzeCustomer,
      map: (row) => ({
        id: row.customer_id,
        // @ts-expect-error -- first_name was dropped from the source contract
        first_name: row.first_name,
        // @ts-expect-error -- email was renamed to email_address
        email: row.email ?? '',
      }),
    });
  });

  it('breaks compilation of a transform that returns a wrong, missing, extra or audit column', () => {
    defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      // @ts-expect-error -- email is missing from the target row
      map: (row) => ({ id: row.customer_id, first_name: row.first_name }),
    });
    defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      // @ts-expect-error -- id must be a number
      map: (row) => ({ id: String(row.customer_id), first_name: row.first_name, email: '' }),
    });
    defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      map: (row) => ({
        id: row.customer_id,
        first_name: row.first_name,
        email: '',
        // @ts-expect-error -- the loader fills the audit columns, never the transform
        _run_id: 'f3a1c3f4-8d0e-4a43-9b39-7f6c3c1e9d2a',
      }),
    });
    // No run-time assertion: the `types` vitest project (and `npm run typecheck`) fails on an
    // unused @ts-expect-error above.
  });
});

describe('runTransform', () => {
  it('rejects a mapped row with a column the target does not have', () => {
    // TypeScript does not check excess keys of a returned object literal; the strict target
    // schema does, so such a bug never reaches the database.
    const sloppy = defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      map: (row) => ({ id: row.customer_id, first_name: 'x', email: 'e', nickname: 'y' }),
    });

    expect(runTransform(sloppy, [makeFactory(CustomerV1).build()]).rejected[0]?.reason).toBe(
      '(row): Unrecognized key: "nickname"',
    );
  });

  const customers = makeFactory(CustomerV1, { seed: 7 });

  it('maps valid rows and counts the ones map filtered out', () => {
    const rows = [
      customers.build({ first_name: 'ada', email: 'ada@example.org' }),
      customers.build({ email: null }),
    ];

    const result = runTransform(customerToBronze, rows);

    expect(result.rows).toEqual([
      { id: rows[0]?.customer_id, first_name: 'ada', email: 'ada@example.org' },
    ]);
    expect(result.filtered).toBe(1);
    expect(result.rejected).toEqual([]);
  });

  it('rejects an input row that breaks the source contract before mapping it', () => {
    const bad = { ...customers.build(), customer_id: 'seven' };

    expect(runTransform(customerToBronze, [bad]).rejected).toEqual([
      { stage: 'source', row: bad, reason: 'customer_id: expected number, received string' },
    ]);
  });

  it('rejects a mapped row that breaks the target contract', () => {
    const row = customers.build({ first_name: 'bartholomew', email: 'b@example.org' });

    expect(runTransform(customerToBronze, [row]).rejected).toEqual([
      {
        stage: 'target',
        row: { id: row.customer_id, first_name: 'bartholomew', email: 'b@example.org' },
        reason: 'first_name: longer than 10 characters',
      },
    ]);
  });
});
