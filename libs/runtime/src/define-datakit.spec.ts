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

    it('replaces after a shared cursor or on a full read, appends after a unique one: never a merge that doubles', () => {
      const kit = (cursor?: null) =>
        defineDatakit({
          name: 'keyless',
          tables: [{ source: Events, target: Log, transform: eventsToLog, cursor }],
        }).tables[0];
      // A timestamp is not unique: an append after it could lose or double rows at a tie.
      expect([kit()?.mode, kit()?.modes]).toEqual(['replace', ['replace']]);
      expect([kit(null)?.mode, kit(null)?.modes]).toEqual(['replace', ['replace']]);
      const Versioned = defineTable({
        name: 'events',
        schema: 'public',
        columns: {
          id: col.bigint(),
          payload: col.text(),
          at: col.bigint().nativeType('rowversion'),
        },
      });
      const versioned = defineDatakit({
        name: 'keyless',
        tables: [
          {
            source: Versioned,
            target: Log,
            transform: defineTransform({
              from: Versioned,
              to: Log,
              map: (row) => ({ ...row, at: new Date(0) }),
            }),
            cursor: 'at',
          },
        ],
      }).tables[0];
      expect([versioned?.mode, versioned?.modes, versioned?.cursorUnique]).toEqual([
        'append',
        ['append', 'replace'],
        true,
      ]);
    });

    it('merges on a dedup rule, which names data columns of a keyless target only', () => {
      const kit = (dedupOn: readonly string[] | 'row') =>
        defineDatakit({
          name: 'keyless',
          tables: [{ source: Events, target: Log, transform: eventsToLog, dedupOn }],
        }).tables[0];
      expect([kit(['id'])?.mode, kit(['id'])?.modes, kit(['id'])?.dedupOn]).toEqual([
        'merge',
        ['merge', 'replace'],
        ['id'],
      ]);
      expect(kit('row')?.dedupOn).toEqual(['id', 'payload', 'at']);
      expect(() => kit(['nope'])).toThrowError(
        'dedupOn names nope, not data columns of bronze.log (id, payload, at)',
      );
      expect(() =>
        defineDatakit({
          name: 'keyed',
          tables: [
            {
              source: Customer,
              target: BronzeCustomer,
              transform: customerToBronze,
              dedupOn: 'row',
            },
          ],
        }),
      ).toThrowError('dedupOn is for a target without a primary key');
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
