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
      // @ts-expect-error -- the loader fills the audit columns, never the transform
      map: (row) => ({
        id: row.customer_id,
        first_name: row.first_name,
        email: '',
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

describe('defineTransform with columns (a projection)', () => {
  const Copy = withAudit(
    defineTable({
      name: 'customer',
      schema: 'bronze',
      columns: {
        customer_id: col.integer().primaryKey(),
        first_name: col.varchar(10),
        email: col.text().nullable(),
        last_update: col.timestamptz(),
      },
    }),
  );
  const row = {
    customer_id: 7,
    first_name: 'Ann',
    email: null,
    last_update: new Date('2024-01-02T03:04:05Z'),
  };

  it("'same' takes each target data column from the source column of its name", () => {
    const copy = defineTransform({ from: CustomerV1, to: Copy, columns: 'same' });
    expect(copy.columns).toEqual({
      customer_id: 'customer_id',
      first_name: 'first_name',
      email: 'email',
      last_update: 'last_update',
    });
    expect(copy.map(row)).toEqual(row);
    // The target contract still applies: varchar(10) refuses a longer name.
    const result = runTransform(copy, [row, { ...row, first_name: 'Bartholomew Jr' }]);
    expect(result.rows).toEqual([row]);
    expect(result.rejected).toMatchObject([{ stage: 'target' }]);
  });

  it('renames: each target data column names the source column it takes', () => {
    const Renamed = defineTable({
      name: 'customer',
      columns: { id: col.integer().primaryKey(), name: col.text() },
    });
    const renamed = defineTransform({
      from: CustomerV1,
      to: Renamed,
      columns: { id: 'customer_id', name: 'first_name' },
    });
    expect(renamed.map(row)).toEqual({ id: 7, name: 'Ann' });
    expect(Object.keys(renamed.map(row) ?? {})).toEqual(['id', 'name']);
  });

  it('is a type error when a column is missing or its type does not fit', () => {
    // (Each also throws at run time, where the column is missing.)
    expect(() =>
      // @ts-expect-error -- BronzeCustomer has `id`, which CustomerV1 does not
      defineTransform({ from: CustomerV1, to: BronzeCustomer, columns: 'same' }),
    ).toThrow(/target column id takes id, which customer does not have/);
    defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      // @ts-expect-error -- email is nullable in the source, not in the target
      columns: { id: 'customer_id', first_name: 'first_name', email: 'email' },
    });
    defineTransform({
      from: CustomerV1,
      to: BronzeCustomer,
      // @ts-expect-error -- id is a number, first_name a string
      columns: { id: 'first_name', first_name: 'first_name', email: 'first_name' },
    });
  });

  it('refuses at run time what a plain JavaScript caller gets wrong, naming the column', () => {
    const define = defineTransform as (definition: unknown) => unknown;
    expect(() => define({ from: CustomerV1, to: Copy, columns: { customer_id: 'nope' } })).toThrow(
      /transform customer_to_customer: .*target column first_name takes no source column.*customer_id takes nope, which customer does not have/,
    );
    expect(() => define({ from: CustomerV1, to: Copy, columns: 'all' })).toThrow(
      /columns must be 'same' or an object/,
    );
    expect(() =>
      define({
        from: CustomerV1,
        to: Copy,
        columns: {
          customer_id: 'toString',
          first_name: 'first_name',
          email: 'email',
          last_update: 'last_update',
        },
      }),
    ).toThrow(/customer_id takes toString, which customer does not have/);
    expect(() => define({ from: CustomerV1, to: Copy, columns: 42 })).toThrow(
      /columns must be 'same' or an object/,
    );
  });
});
