import { describe, expect, it } from 'vitest';

import { BronzeFilm, Film } from './_test-tables.ts';
import { col } from './column.ts';
import { canonicalJson, contractHash } from './contract-hash.ts';
import { defineTable } from './table.ts';

const customer = (columns: Parameters<typeof defineTable>[0]['columns'], description?: string) =>
  defineTable({ name: 'customer', columns, ...(description ? { description } : {}) });

describe('contractHash', () => {
  it('is a sha256 digest in the OCI notation', () => {
    expect(contractHash(Film)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not depend on the order columns are written in', () => {
    const a = customer({ id: col.integer().primaryKey(), email: col.text().nullable() });
    const b = customer({ email: col.text().nullable(), id: col.integer().primaryKey() });

    expect(contractHash(a)).toBe(contractHash(b));
  });

  it('does not depend on the order of tables in a set', () => {
    expect(contractHash([Film, BronzeFilm])).toBe(contractHash([BronzeFilm, Film]));
  });

  it('ignores descriptions, which document but do not change the contract', () => {
    const plain = customer({ id: col.integer() });
    const documented = customer({ id: col.integer().describe('The key') }, 'Customers');

    expect(contractHash(documented)).toBe(contractHash(plain));
  });

  it('changes when a type, nullability, key, cursor or source name changes', () => {
    const base = contractHash(customer({ id: col.integer() }));
    const variants = [
      customer({ id: col.bigint() }),
      customer({ id: col.integer().nullable() }),
      customer({ id: col.integer().primaryKey() }),
      customer({ id: col.integer().cursor() }),
      customer({ id: col.integer().source('ID') }),
      customer({ ident: col.integer() }),
    ].map((table) => contractHash(table));

    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('stays the same across releases for the same contract', () => {
    // Pinned: a change here means every published image's contract hash changes too.
    expect(
      contractHash(customer({ id: col.integer().primaryKey(), email: col.varchar(45).nullable() })),
    ).toBe(
      contractHash(customer({ email: col.varchar(45).nullable(), id: col.integer().primaryKey() })),
    );
    expect(contractHash(customer({ id: col.integer().primaryKey() }))).toMatchInlineSnapshot(
      `"sha256:69069e3104057d62cb034a5e09cd8694af147bf139e4bf4c5d37460cb266bbfe"`,
    );
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"e":2,"f":1}]},"b":1}',
    );
  });
});
