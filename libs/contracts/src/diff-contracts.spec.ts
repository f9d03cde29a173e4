import { describe, expect, it } from 'vitest';

import { col } from './column.ts';
import { describeTable } from './describe-table.ts';
import { diffableSpecOf, diffContracts, formatContractDiff } from './diff-contracts.ts';
import type { DiffableSpec } from './diff-contracts.ts';
import { defineTable } from './table.ts';
import type { ColumnBuilders } from './table.ts';

const film = (columns: ColumnBuilders, options: { name?: string; cursor?: boolean } = {}) =>
  describeTable(defineTable({ name: options.name ?? 'film', schema: 'bronze', columns }));

const spec = (...tables: ReturnType<typeof film>[]): DiffableSpec => ({ contracts: tables });
const id = () => col.integer().primaryKey();

/** The kinds and classes of a diff, for short assertions. */
const changes = (from: DiffableSpec | undefined, to: DiffableSpec) =>
  diffContracts(from, to).changes.map((c) => `${c.class} ${c.kind} ${c.column ?? c.table}`);

describe('diffContracts', () => {
  it('finds no change between equal specs and asks for a patch at most', () => {
    const a = spec(film({ film_id: id(), title: col.text() }));
    const diff = diffContracts(a, a);
    expect(diff).toEqual({ changes: [], breaking: false, requiredBump: 'patch' });
  });

  it('ignores column order and descriptions', () => {
    const a = spec(film({ film_id: id(), title: col.text() }));
    const b = spec(film({ title: col.text().describe('The title'), film_id: id() }));
    expect(changes(a, b)).toEqual([]);
  });

  it('classifies a removed table as breaking and an added one as additive', () => {
    const a = spec(film({ film_id: id() }));
    const b = spec(film({ actor_id: id() }, { name: 'actor' }));
    expect(changes(a, b)).toEqual([
      'additive table-added bronze.actor',
      'breaking table-removed bronze.film',
    ]);
  });

  it('treats every table as added when there is no earlier version', () => {
    const diff = diffContracts(undefined, spec(film({ film_id: id() })));
    expect(diff.requiredBump).toBe('minor');
    expect(diff.changes.map((c) => c.kind)).toEqual(['table-added']);
  });

  it('classifies a removed column as breaking', () => {
    const a = spec(film({ film_id: id(), rating: col.text().nullable() }));
    const b = spec(film({ film_id: id() }));
    const diff = diffContracts(a, b);
    expect(diff.breaking).toBe(true);
    expect(diff.requiredBump).toBe('major');
    expect(changes(a, b)).toEqual(['breaking column-removed rating']);
  });

  it('classifies a nullable column added as additive, a required one as breaking', () => {
    const a = spec(film({ film_id: id() }));
    const b = spec(film({ film_id: id(), rating: col.text().nullable(), length: col.integer() }));
    expect(changes(a, b)).toEqual(['breaking column-added length', 'additive column-added rating']);
    expect(diffContracts(a, b).requiredBump).toBe('major');
  });

  it.each([
    ['varchar(10) to varchar(20)', col.varchar(10), col.varchar(20)],
    ['varchar(10) to text', col.varchar(10), col.text()],
    ['smallint to integer', col.smallint(), col.integer()],
    ['integer to bigint', col.integer(), col.bigint()],
    ['numeric(5,2) to numeric(7,2)', col.numeric(5, 2), col.numeric(7, 2)],
    ['numeric(5,2) to numeric(6,3)', col.numeric(5, 2), col.numeric(6, 3)],
    ['numeric(5,2) to numeric', col.numeric(5, 2), col.numeric()],
    ['integer to numeric(12,0)', col.integer(), col.numeric(12, 0)],
    ['real to double', col.real(), col.double()],
    ['an enum with a value added', col.enum(['G', 'PG']), col.enum(['G', 'PG', 'R'])],
    ['bit varying(8) to bit varying(12)', col.varbit(8), col.varbit(12)],
    ['bit varying(8) to bit varying', col.varbit(8), col.varbit()],
    ['bit(8) to bit varying(8)', col.bit(8), col.varbit(8)],
    ['bit(8) to bit varying', col.bit(8), col.varbit()],
    ['bit(8)[] to bit varying(12)[]', col.array(col.bit(8)), col.array(col.varbit(12))],
  ])('classifies %s as widened (additive)', (_, before, after) => {
    const a = spec(film({ film_id: id(), x: before }));
    const b = spec(film({ film_id: id(), x: after }));
    expect(changes(a, b)).toEqual(['additive type-widened x']);
  });

  it.each([
    ['varchar(20) to varchar(10)', col.varchar(20), col.varchar(10)],
    ['text to varchar(10)', col.text(), col.varchar(10)],
    ['bigint to integer', col.bigint(), col.integer()],
    ['numeric(7,2) to numeric(5,2)', col.numeric(7, 2), col.numeric(5, 2)],
    ['numeric(5,2) to numeric(5,3)', col.numeric(5, 2), col.numeric(5, 3)],
    ['integer to text', col.integer(), col.text()],
    ['timestamp to timestamptz', col.timestamp(), col.timestamptz()],
    ['char(2) to char(3)', col.char(2), col.char(3)],
    ['an enum with a value removed', col.enum(['G', 'PG', 'R']), col.enum(['G', 'PG'])],
    ['bit(8) to bit(12) (every value changes length)', col.bit(8), col.bit(12)],
    ['bit varying(12) to bit varying(8)', col.varbit(12), col.varbit(8)],
    ['bit varying to bit varying(8)', col.varbit(), col.varbit(8)],
    ['bit(12) to bit varying(8)', col.bit(12), col.varbit(8)],
    ['bit varying(8) to bit(8)', col.varbit(8), col.bit(8)],
    ['xml to text', col.xml(), col.text()],
  ])('classifies %s as a breaking type change', (_, before, after) => {
    const a = spec(film({ film_id: id(), x: before }));
    const b = spec(film({ film_id: id(), x: after }));
    expect(changes(a, b)).toEqual(['breaking type-changed x']);
  });

  it('classifies tightened nullability as breaking and relaxed as additive', () => {
    const a = spec(film({ film_id: id(), title: col.text(), rating: col.text().nullable() }));
    const b = spec(film({ film_id: id(), title: col.text().nullable(), rating: col.text() }));
    expect(changes(a, b)).toEqual([
      'breaking nullability-tightened rating',
      'additive nullability-relaxed title',
    ]);
  });

  it('classifies a changed primary key as breaking', () => {
    const a = spec(film({ film_id: id(), store_id: col.integer() }));
    const b = spec(film({ film_id: id(), store_id: col.integer().primaryKey() }));
    const diff = diffContracts(a, b);
    expect(diff.changes.map((c) => [c.kind, c.from, c.to])).toEqual([
      ['primary-key-changed', '(film_id)', '(film_id, store_id)'],
    ]);
    expect(diff.breaking).toBe(true);
  });

  it('classifies a changed cursor as breaking', () => {
    const a = spec(film({ film_id: id(), last_update: col.timestamptz() }));
    const b = spec(film({ film_id: id(), last_update: col.timestamptz().cursor() }));
    expect(changes(a, b)).toEqual(['breaking cursor-changed bronze.film']);
  });

  it('classifies a column read from another source column as breaking', () => {
    const a = spec(film({ film_id: id(), title: col.text() }));
    const b = spec(film({ film_id: id(), title: col.text().source('Title') }));
    expect(changes(a, b)).toEqual(['breaking source-renamed title']);
  });

  it('reports a transform whose target moved as one renamed table, diffed by column', () => {
    const source = describeTable(defineTable({ name: 'film', columns: { film_id: id() } }));
    const a: DiffableSpec = {
      contracts: [source, film({ film_id: id(), title: col.text() })],
      transforms: [{ name: 'film', source: 'public.film', target: 'bronze.film' }],
    };
    const b: DiffableSpec = {
      contracts: [source, film({ film_id: id(), title: col.varchar(200) }, { name: 'films' })],
      transforms: [{ name: 'film', source: 'public.film', target: 'bronze.films' }],
    };
    const diff = diffContracts(a, b);
    expect(diff.changes.map((c) => `${c.class} ${c.kind} ${c.table} ${c.role}`)).toEqual([
      'breaking target-renamed bronze.films target',
      'breaking type-changed bronze.films target',
    ]);
  });

  it('classifies a write mode removed or a changed default as breaking, one added as additive', () => {
    const table = film({ film_id: id() });
    const t = { name: 'film', source: 'public.film', target: 'bronze.film' };
    const a: DiffableSpec = {
      contracts: [table],
      transforms: [{ ...t, mode: 'merge', modes: ['merge', 'replace'] }],
    };
    const removed: DiffableSpec = {
      contracts: [table],
      transforms: [{ ...t, mode: 'merge', modes: ['merge'] }],
    };
    const added: DiffableSpec = {
      contracts: [table],
      transforms: [{ ...t, mode: 'replace', modes: ['merge', 'replace', 'append'] }],
    };
    expect(changes(a, removed)).toEqual(['breaking write-mode-removed bronze.film']);
    expect(changes(a, added)).toEqual([
      'additive write-mode-added bronze.film',
      'breaking default-mode-changed bronze.film',
    ]);
  });

  it("classifies a keyless table's dedup rule changed or removed as breaking, one declared as additive", () => {
    const table = film({ title: col.varchar(10), year: col.integer() });
    const t = { name: 'film', source: 'public.film', target: 'bronze.film' };
    const on = (...dedupOn: string[]): DiffableSpec => ({
      contracts: [table],
      transforms: [{ ...t, dedupOn }],
    });
    expect(changes(on('title', 'year'), on('year', 'title'))).toEqual([]);
    expect(changes(on('title'), on('title', 'year'))).toEqual([
      'breaking dedup-changed bronze.film',
    ]);
    expect(diffContracts(on('title'), on('title', 'year')).changes[0]?.message).toBe(
      'the dedup rule on (title) is now on (title, year): merges match rows differently',
    );
    expect(changes(on('title'), on())).toEqual(['breaking dedup-changed bronze.film']);
    expect(changes(on(), on('title'))).toEqual(['additive dedup-changed bronze.film']);
    // An image from before dedup rules were declared: nothing to compare.
    expect(changes({ contracts: [table], transforms: [t] }, on('title'))).toEqual([]);
  });

  it('reads the diffable parts of a spec label and refuses what is not a spec', () => {
    const label = JSON.stringify({
      name: 'x',
      contracts: [film({ film_id: id() })],
      transforms: [],
    });
    expect(diffableSpecOf(label)?.contracts).toHaveLength(1);
    expect(diffableSpecOf('not json')).toBeUndefined();
    expect(diffableSpecOf({ name: 'x' })).toBeUndefined();
  });

  it('formats the diff by table with the bump it needs', () => {
    const a = spec(film({ film_id: id(), rating: col.text().nullable(), title: col.varchar(10) }));
    const b = spec(film({ film_id: id(), title: col.varchar(20) }));
    expect(formatContractDiff(diffContracts(a, b))).toMatchInlineSnapshot(`
      "bronze.film
        ! breaking  column rating text is removed
        + additive  column title varchar(10) is now varchar(20) (widened: every old value still fits)
      1 breaking, 1 additive: needs a major version"
    `);
  });
});
