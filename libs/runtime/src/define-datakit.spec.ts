import { describe, expect, it } from 'vitest';

import { defineDatakit } from './define-datakit.ts';
import {
  BronzeCountry,
  BronzeCustomer,
  Country,
  Customer,
  customerToBronze,
  testDatakit,
} from './_test-datakit.ts';

describe('defineDatakit', () => {
  it('takes the cursor from the source contract and defaults the mode to merge', () => {
    expect(testDatakit.tables.map((t) => [t.target.name, t.cursor, t.mode])).toEqual([
      ['country', null, 'replace'],
      ['customer', 'last_update', 'merge'],
    ]);
  });

  it('defaults the extra-columns policy to discard', () => {
    expect(testDatakit.extraColumns).toBe('discard');
  });

  it('lists every problem of the table entries at once', () => {
    expect(() =>
      defineDatakit({
        name: 'broken',
        tables: [
          { source: Country, target: BronzeCountry, transform: customerToBronze },
          { source: Customer, target: BronzeCustomer, transform: customerToBronze, cursor: 'nope' },
          { source: Customer, target: BronzeCustomer, transform: customerToBronze },
        ],
      }),
    ).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Datakit broken is invalid:
        - public.country -> bronze.country: transform customer_to_customer maps public.customer -> bronze.customer
        - public.customer -> bronze.customer: cursor "nope" is not a column of public.customer
        - public.customer -> bronze.customer: another table already writes bronze.customer]
    `);
  });

  it('accepts an explicit null cursor for a full read every run', () => {
    const kit = defineDatakit({
      name: 'full',
      tables: [
        { source: Customer, target: BronzeCustomer, transform: customerToBronze, cursor: null },
      ],
    });
    expect(kit.tables[0]?.cursor).toBeNull();
  });

  it('refuses a datakit without tables', () => {
    expect(() => defineDatakit({ name: 'empty', tables: [] })).toThrow('it has no tables');
  });
});
