import { col, defineTable, withAudit } from '@datakit/contracts';
import { DriftError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import { acceptedDriftLines, assertNoDrift, compareSchema, formatDrift } from '@datakit/drift';
import type { LiveColumn, LiveSchema } from '@datakit/drift';

import { postgresDialect } from './types.ts';

const Customer = defineTable({
  name: 'customer',
  columns: {
    customer_id: col.integer().primaryKey(),
    email: col.varchar(50).nullable().source('email_address'),
    active: col.boolean(),
    release_year: col.integer({ min: 1901, max: 2155, domain: 'year' }).nullable(),
    rating: col.enum(['G', 'PG'], { typeName: 'mpaa_rating' }),
    last_update: col.timestamptz().cursor(),
  },
});

function column(name: string, type: string, extra: Partial<LiveColumn> = {}): LiveColumn {
  return { name, type, nullable: false, hasDefault: false, ...extra };
}

function live(columns: LiveColumn[], primaryKey = ['customer_id']): LiveSchema {
  return {
    schema: 'src',
    tables: { customer: { schema: 'src', name: 'customer', columns, primaryKey } },
  };
}

const faithful = [
  column('customer_id', 'integer'),
  column('email_address', 'character varying(50)', { nullable: true }),
  column('active', 'bool'),
  column('release_year', 'year', { domain: 'year', domainBaseType: 'integer', nullable: true }),
  column('rating', 'public.mpaa_rating', { enumValues: ['G', 'PG'] }),
  column('last_update', 'timestamp with time zone'),
];

const source = {
  side: 'source',
  extraColumns: 'freeze',
  normalizeType: postgresDialect.normalizeType,
} as const;

describe('compareSchema', () => {
  it('finds no drift when only spellings differ', () => {
    expect(compareSchema([Customer], live(faithful), source).tables[0]?.changes).toEqual([]);
  });

  it('reports a dropped source column under its source name as breaking', () => {
    const result = compareSchema(
      [Customer],
      live(faithful.filter((c) => c.name !== 'email_address')),
      source,
    );
    expect(result.breaking).toEqual([
      {
        kind: 'missing-column',
        table: 'src.customer',
        column: 'email_address',
        expected: 'varchar(50) NULL',
        found: 'nothing',
        breaking: true,
      },
    ]);
  });

  it('reports a changed type with expected and found', () => {
    const columns = faithful.map((c) => (c.name === 'active' ? column('active', 'integer') : c));
    expect(compareSchema([Customer], live(columns), source).breaking[0]).toMatchObject({
      kind: 'type',
      column: 'active',
      expected: 'boolean',
      found: 'integer',
    });
  });

  it('treats a source column made nullable as breaking', () => {
    const columns = faithful.map((c) => (c.name === 'active' ? { ...c, nullable: true } : c));
    expect(compareSchema([Customer], live(columns), source).breaking[0]).toMatchObject({
      kind: 'nullability',
      expected: 'NOT NULL',
      found: 'NULL',
    });
  });

  it('accepts a source column made NOT NULL', () => {
    const columns = faithful.map((c) =>
      c.name === 'email_address' ? { ...c, nullable: false } : c,
    );
    expect(compareSchema([Customer], live(columns), source).ok).toBe(true);
  });

  it('treats a target column made NOT NULL as breaking', () => {
    const columns = faithful.map((c) =>
      c.name === 'email_address' ? { ...c, name: 'email', nullable: false } : c,
    );
    const result = compareSchema([Customer], live(columns), {
      side: 'target',
      extraColumns: 'freeze',
      normalizeType: postgresDialect.normalizeType,
    });
    expect(result.breaking.map((c) => c.kind)).toEqual(['nullability']);
  });

  it('reports a dropped primary key', () => {
    expect(compareSchema([Customer], live(faithful, []), source).breaking[0]).toMatchObject({
      kind: 'primary-key',
      expected: 'primary key (customer_id)',
      found: 'no primary key',
    });
  });

  it('treats a primary key as a set of columns: their order is not drift', () => {
    expect(
      compareSchema([Customer], live(faithful, ['customer_id', 'email_address']), source).breaking,
    ).toHaveLength(1);
    const Payment = defineTable({
      name: 'customer',
      columns: {
        customer_id: col.integer().primaryKey(),
        last_update: col.timestamptz().primaryKey().cursor(),
      },
    });
    const columns = [column('customer_id', 'integer'), column('last_update', 'timestamptz')];
    expect(
      compareSchema([Payment], live(columns, ['last_update', 'customer_id']), source).breaking,
    ).toEqual([]);
  });

  it('compares enum labels', () => {
    const columns = faithful.map((c) => (c.name === 'rating' ? { ...c, enumValues: ['G'] } : c));
    expect(compareSchema([Customer], live(columns), source).breaking[0]).toMatchObject({
      kind: 'type',
      expected: 'mpaa_rating (G, PG)',
      found: 'mpaa_rating (G)',
    });
  });

  it('compares a domain by name and base type', () => {
    const columns = faithful.map((c) =>
      c.name === 'release_year' ? column('release_year', 'integer', { nullable: true }) : c,
    );
    expect(compareSchema([Customer], live(columns), source).breaking[0]).toMatchObject({
      expected: 'year (integer)',
      found: 'integer',
    });
  });

  it('matches a domain over text declared with .domain() or named as the type', () => {
    const sku = column('sku', 'sku', { domain: 'sku', domainBaseType: 'text' });
    for (const declared of [col.text().domain('sku'), col.custom('sku')]) {
      const Product = defineTable({
        name: 'customer',
        columns: { customer_id: col.integer().primaryKey(), sku: declared },
      });
      expect(
        compareSchema([Product], live([column('customer_id', 'integer'), sku]), source).breaking,
      ).toEqual([]);
    }
  });

  it('accepts the base type where a target contract declares a domain', () => {
    const columns = faithful.map((c) =>
      c.name === 'release_year' ? column('release_year', 'integer', { nullable: true }) : c,
    );
    const target = { ...source, side: 'target' } as const;
    const Target = defineTable({
      name: 'customer',
      columns: { ...Customer.definition.columns, email: col.varchar(50).nullable() },
    });
    const renamed = columns.map((c) => (c.name === 'email_address' ? { ...c, name: 'email' } : c));
    expect(compareSchema([Target], live(renamed), target).breaking).toEqual([]);
  });

  it.each([
    ['freeze', true],
    ['discard', false],
    ['evolve', false],
  ] as const)('with policy %s an extra source column is breaking: %s', (policy, breaking) => {
    const result = compareSchema([Customer], live([...faithful, column('nickname', 'text')]), {
      side: 'source',
      extraColumns: policy,
      normalizeType: postgresDialect.normalizeType,
    });
    expect(result.tables[0]?.changes).toEqual([
      expect.objectContaining({ kind: 'extra-column', column: 'nickname', breaking }),
    ]);
  });

  it('keeps a NOT NULL extra target column without default breaking whatever the policy', () => {
    const result = compareSchema(
      [Customer],
      live([
        ...faithful.map((c) => (c.name === 'email_address' ? { ...c, name: 'email' } : c)),
        column('x', 'text'),
      ]),
      {
        side: 'target',
        extraColumns: 'evolve',
        normalizeType: postgresDialect.normalizeType,
      },
    );
    expect(result.breaking.map((c) => c.column)).toEqual(['x']);
  });

  it('lets evolve add a nullable column to a target but never a key column', () => {
    const Target = withAudit(Customer);
    const result = compareSchema(
      [Target],
      {
        schema: 'dst',
        tables: { customer: { schema: 'dst', name: 'customer', columns: [], primaryKey: [] } },
      },
      {
        side: 'target',
        extraColumns: 'evolve',
        normalizeType: postgresDialect.normalizeType,
      },
    );
    const byColumn = Object.fromEntries(
      result.tables[0]!.changes.map((c) => [c.column ?? '(table)', c]),
    );
    expect(byColumn.email).toMatchObject({ breaking: false, action: 'add-column' });
    expect(byColumn.customer_id).toMatchObject({ breaking: true });
    expect(byColumn.last_update).toMatchObject({ breaking: true });
  });

  it('plans to create a missing target table', () => {
    const result = compareSchema(
      [Customer],
      { schema: 'dst', tables: {} },
      { side: 'target', extraColumns: 'freeze', normalizeType: postgresDialect.normalizeType },
    );
    expect(result.tables[0]).toMatchObject({
      exists: false,
      changes: [{ kind: 'missing-table', action: 'create-table', breaking: false }],
    });
  });

  it('stops on a missing source table', () => {
    expect(compareSchema([Customer], { schema: 'src', tables: {} }, source).ok).toBe(false);
  });
});

describe('formatDrift and assertNoDrift', () => {
  it('names table, column, expected and found in the DriftError', () => {
    const columns = faithful
      .filter((c) => c.name !== 'email_address')
      .map((c) => (c.name === 'active' ? column('active', 'integer') : c));
    const result = compareSchema(
      [Customer],
      live([...columns, column('nickname', 'text', { nullable: true })], []),
      {
        side: 'source',
        extraColumns: 'discard',
        normalizeType: postgresDialect.normalizeType,
      },
    );
    expect(() => assertNoDrift(result)).toThrow(DriftError);
    expect(formatDrift(result)).toMatchInlineSnapshot(`
      "Schema drift in the source schema src: 3 breaking, 1 accepted.
        ! src.customer.email_address: column missing: expected varchar(50) NULL, found nothing
        ! src.customer.active: type changed: expected boolean, found integer
        ~ src.customer.nickname: extra column: expected nothing, found text NULL (ignore)
        ! src.customer: primary key changed: expected primary key (customer_id), found no primary key"
    `);
    // The breaking-only diff a stopped run prints still counts what was accepted.
    expect(formatDrift(result, { breakingOnly: true }).split('\n')[0]).toBe(
      'Schema drift in the source schema src: 3 breaking, 1 accepted (not listed).',
    );
    expect(acceptedDriftLines([result])).toEqual([
      '~ src.customer.nickname: extra column: expected nothing, found text NULL (ignore)',
    ]);
  });

  it('says so when there is no drift', () => {
    expect(formatDrift(compareSchema([Customer], live(faithful), source))).toBe(
      'No drift in the source schema src.',
    );
  });
});
