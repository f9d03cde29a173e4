import { col, defineTable, defineTransform } from '@datakit/contracts';
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

  describe('write modes of a table without a primary key', () => {
    const Events = defineTable({
      name: 'events',
      schema: 'public',
      columns: { id: col.bigint(), payload: col.text(), at: col.timestamptz().cursor() },
    });
    const Log = defineTable({
      name: 'log',
      schema: 'bronze',
      columns: { id: col.bigint(), payload: col.text(), at: col.timestamptz() },
    });
    const eventsToLog = defineTransform({ from: Events, to: Log, map: (row) => ({ ...row }) });

    it('appends after its cursor, or replaces on a full read: never a merge that doubles', () => {
      const kit = (cursor?: null) =>
        defineDatakit({
          name: 'keyless',
          tables: [{ source: Events, target: Log, transform: eventsToLog, cursor }],
        }).tables[0];
      expect([kit()?.mode, kit()?.modes]).toEqual(['append', ['append', 'replace']]);
      expect([kit(null)?.mode, kit(null)?.modes]).toEqual(['replace', ['replace']]);
    });

    it('refuses merge and a full-read append, naming the table and why', () => {
      expect(() =>
        defineDatakit({
          name: 'keyless',
          tables: [
            { source: Events, target: Log, transform: eventsToLog, mode: 'merge' },
            {
              source: Events,
              target: Log,
              transform: eventsToLog,
              cursor: null,
              modes: ['append', 'replace'],
            },
          ],
        }),
      ).toThrowError(
        /public\.events -> bronze\.log: merge needs a primary key on the target[^]*public\.events -> bronze\.log: append needs a cursor/,
      );
    });

    it('keeps a declared mode within the declared modes', () => {
      expect(() =>
        defineDatakit({
          name: 'narrow',
          tables: [
            {
              source: Events,
              target: Log,
              transform: eventsToLog,
              mode: 'replace',
              modes: ['append'],
            },
          ],
        }),
      ).toThrowError('mode replace is not one of its modes (append)');
    });
  });

  it('refuses a datakit without tables', () => {
    expect(() => defineDatakit({ name: 'empty', tables: [] })).toThrow('it has no tables');
  });
});
