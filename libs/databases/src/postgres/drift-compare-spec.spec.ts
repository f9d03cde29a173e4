import { col, defineTable, describeTable, withAudit } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { compareSchema, compareSpecSchema } from '@datakit/drift';
import type { LiveColumn, LiveSchema } from '@datakit/drift';

import { postgresDialect } from './types.ts';

const Customer = withAudit(
  defineTable({
    name: 'customer',
    schema: 'bronze',
    columns: {
      customer_id: col.integer().primaryKey(),
      email: col.varchar(50).nullable().source('email_address'),
      release_year: col.integer({ min: 1901, max: 2155, domain: 'year' }).nullable(),
      rating: col.enum(['G', 'PG'], { typeName: 'mpaa_rating' }),
      last_update: col.timestamptz().cursor(),
    },
  }),
);

const column = (name: string, type: string, extra: Partial<LiveColumn> = {}): LiveColumn => ({
  name,
  type,
  nullable: false,
  hasDefault: false,
  ...extra,
});

// A drifted live table: a type change, a looser column, an extra column, a missing key column.
const live: LiveSchema = {
  schema: 'bronze',
  tables: {
    customer: {
      schema: 'bronze',
      name: 'customer',
      columns: [
        column('email', 'text'),
        column('release_year', 'integer', { nullable: true }),
        column('rating', 'public.mpaa_rating', { enumValues: ['G', 'PG', 'R'] }),
        column('last_update', 'timestamp with time zone', { nullable: true }),
        column('extra', 'text', { nullable: true }),
      ],
      primaryKey: [],
    },
  },
};

describe('compareSpecSchema', () => {
  for (const side of ['source', 'target'] as const) {
    it(`compares a described contract exactly as the contract itself (${side})`, () => {
      const options = {
        side,
        extraColumns: 'freeze' as const,
        normalizeType: postgresDialect.normalizeType,
      };
      const fromSpec = compareSpecSchema([describeTable(Customer)], live, options);
      expect(fromSpec).toEqual(compareSchema([Customer], live, options));
      expect(fromSpec.ok).toBe(false);
      expect(fromSpec.tables[0]!.contract).toBe('bronze.customer');
    });
  }

  it('finds no drift in a live table that matches the description', () => {
    const spec = describeTable(Customer);
    const faithful: LiveSchema = {
      schema: 'bronze',
      tables: {
        customer: {
          schema: 'bronze',
          name: 'customer',
          columns: spec.columns.map((c) =>
            column(c.name, c.kind === 'enum' ? 'mpaa_rating' : c.sqlType, {
              nullable: c.nullable,
              ...(c.domain ? { domain: c.domain, domainBaseType: c.sqlType } : {}),
              ...(c.values ? { enumValues: c.values } : {}),
            }),
          ),
          primaryKey: ['customer_id'],
        },
      },
    };
    expect(
      compareSpecSchema([spec], faithful, {
        side: 'target',
        extraColumns: 'freeze',
        normalizeType: postgresDialect.normalizeType,
      }).ok,
    ).toBe(true);
  });
});
