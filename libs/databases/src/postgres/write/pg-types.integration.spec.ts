import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import type { AnyTable, AnyTransform, ColumnBuilder } from '@datakit/contracts';
import { compareSchema } from '@datakit/drift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLiveSchema } from '../catalog.ts';
import { postgresDialect } from '../types.ts';

import { ScratchDb, scratchSchema } from './__fixtures__/scratch-db.ts';
import { testLoadOptions } from './__fixtures__/load-options.ts';
import { SESSION_SETTINGS } from './codecs.ts';
import { loadTable } from './load-table.ts';

// Real PostgreSQL (npm run infra:up). Every awkward value of every kind, loaded by binary and
// by text COPY, passed through (the source's bytes) and renamed (every value decoded and
// encoded again), compared with the source value by value as PostgreSQL prints it, then merged
// again into the populated target (nothing changes) and after a change only a json's
// whitespace or a float's sign shows.
const SRC = scratchSchema('pt_src');
const db = new ScratchDb();
const { source, target, sql } = db;
const MOODS = ['sad', 'ok', 'happy'] as const;

/** Kinds binary COPY carries (every kind but tsvector and custom ones). */
const binaryColumns = {
  d: col.date().nullable(),
  ts: col.timestamp().nullable(),
  tstz: col.timestamptz().nullable(),
  m: col.money().nullable(),
  r: col.real().nullable(),
  f: col.double().nullable(),
  iv: col.interval().nullable(),
  j: col.json().nullable(),
  n: col.numeric().nullable(),
  n2: col.numeric(6, 2).nullable(),
  ip: col.inet().nullable(),
  net: col.cidr().nullable(),
  mood: col.enum(MOODS, { typeName: 'mood' }).nullable(),
  sku: col.text().domain('sku').nullable(),
  u: col.uuid().nullable(),
  b: col.bytea().nullable(),
  jb: col.jsonb().nullable(),
  c: col.char(4).nullable(),
  tags: col.array(col.text().nullable()).nullable(),
  ints: col.array(col.integer()).nullable(),
  moods: col.array(col.enum(MOODS, { typeName: 'mood' })).nullable(),
  nums: col.array(col.numeric().nullable()).nullable(),
  vcs: col.array(col.varchar(5)).nullable(),
  bits: col.bit(8).nullable(),
  vb: col.varbit(12).nullable(),
  x: col.xml().nullable(),
  bitsa: col.array(col.bit(8).nullable()).nullable(),
  vba: col.array(col.varbit(12).nullable()).nullable(),
  xa: col.array(col.xml().nullable()).nullable(),
};
/** Kinds that take text COPY. */
const textColumns = {
  tsv: col.tsvector().nullable(),
};

type Builders = Record<string, ColumnBuilder<unknown>>;

const SOURCE_DDL: Record<string, string> = {
  d: 'date',
  ts: 'timestamp',
  tstz: 'timestamptz',
  m: 'money',
  r: 'real',
  f: 'double precision',
  iv: 'interval',
  j: 'json',
  n: 'numeric',
  n2: 'numeric(6,2)',
  ip: 'inet',
  net: 'cidr',
  tsv: 'tsvector',
  mood: `${SRC}.mood`,
  sku: `${SRC}.sku`,
  u: 'uuid',
  b: 'bytea',
  jb: 'jsonb',
  c: 'char(4)',
  tags: 'text[]',
  ints: 'integer[]',
  moods: `${SRC}.mood[]`,
  nums: 'numeric[]',
  vcs: 'varchar(5)[]',
  bits: 'bit(8)',
  vb: 'varbit(12)',
  x: 'xml',
  bitsa: 'bit(8)[]',
  vba: 'bit varying(12)[]',
  xa: 'xml[]',
};

/** Rows as SQL literals per column; the last row is all NULL. */
const ROWS: Record<string, string>[] = [
  {
    d: '0044-03-15 BC',
    ts: '0044-03-15 10:00:00.123 BC',
    tstz: '4713-01-01 00:00:00+00 BC',
    m: '-92233720368547758.08',
    r: '-0',
    f: '5e-324',
    iv: '1 year 2 mons 3 days 04:05:06.789',
    j: '{"a":1,  "a":2}',
    n: 'NaN',
    n2: 'NaN',
    ip: '192.0.2.1/24',
    net: '198.0.0.0/8',
    tsv: "'a':1A 'cat':2,3",
    mood: 'happy',
    sku: 'ABC-1',
    u: 'ffffffff-FFFF-ffff-ffff-ffffffffffff',
    b: '\\x',
    jb: '{"é": "☕ 𝄞", "n": 1.5}',
    c: 'a',
    tags: '{}',
    ints: '{1,-2147483648}',
    moods: '{happy,sad}',
    nums: '{NaN,-0.000100,Infinity}',
    vcs: '{"","x y"}',
    bits: '10100101',
    vb: '',
    x: '<?xml version="1.0" encoding="UTF-8"?>\n<a b="1">é &amp; ☕ 𝄞</a>',
    bitsa: '{10100101,NULL}',
    vba: '{"",1,NULL}',
    xa: '{"<a/>",NULL}',
  },
  {
    d: 'infinity',
    ts: 'infinity',
    tstz: '-infinity',
    m: '92233720368547758.07',
    r: '3.4028235e38',
    f: '-1.7976931348623157e308',
    iv: '-1 year 2 mons -3 days -04:05:06.000001',
    j: '[1, 2 ,3 ]\n',
    n: 'Infinity',
    n2: '-9999.99',
    ip: '::ffff:1.2.3.4',
    net: '2001:db8::/32',
    tsv: '',
    mood: 'sad',
    sku: 'Z',
    u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    b: '\\x00ff5c',
    jb: '[]',
    c: 'abcd',
    tags: '{NULL,"","NULL","a,b","\\\\"}',
    ints: '{}',
    moods: '{}',
    nums: '{NULL}',
    vcs: '{abcde}',
    bits: '00000000',
    vb: '101010101010',
    x: 'text <b>bold</b>  trailing ',
    bitsa: '{}',
    vba: '{}',
    xa: '{}',
  },
  {
    d: '-infinity',
    ts: '-infinity',
    tstz: 'infinity',
    m: '0.05',
    r: '1e-45',
    f: 'NaN',
    iv: '0',
    j: '{"k": "\\u0000 é"}',
    n: '-Infinity',
    n2: '0.10',
    ip: '2001:db8::1/64',
    net: '198.51.0.0/16',
    tsv: 'fat:1 rat:2B',
    mood: 'ok',
    sku: 'Q\\tab',
    u: '00000000-0000-0000-0000-000000000000',
    b: '\\xdeadbeef',
    // A JSON null is SQL NULL in the contract's representation: not one of these values.
    jb: '0',
    c: '',
    tags: '{x}',
    ints: '{0}',
    moods: '{ok}',
    nums: '{1.50}',
    vcs: '{}',
    bits: '11111111',
    vb: '1',
    x: '<?xml version="1.0" standalone="yes"?><r a="&lt;"/>',
    bitsa: '{00000001}',
    vba: '{0,00,000}',
    xa: '{"<x>a,b</x>","say \\"hi\\""}',
  },
  {
    d: '10000-01-01',
    ts: '0999-12-31 23:59:59.999',
    tstz: '10000-01-01 00:00:00.001+00',
    m: '0',
    r: 'NaN',
    f: '-0',
    iv: '-178000000 years',
    j: 'null',
    n: '-0.000100',
    n2: '1.5',
    ip: '::',
    net: '0.0.0.0/0',
    tsv: "'x'",
    mood: 'happy',
    sku: 'A',
    u: '01234567-89ab-cdef-0123-456789abcdef',
    jb: '{"a": {"b": [true, false, null]}}',
    c: 'é ☕',
    bits: '01111110',
    vb: '000000000001',
    x: '<r>\n\t<c/>\n</r>\n',
  },
  {
    d: '2024-02-29',
    ts: '2024-02-29 12:34:56.789',
    tstz: '2024-02-29 12:34:56.789+05:30',
    m: '-0.01',
    r: '-Infinity',
    f: '2.2250738585072014e-308',
    iv: '1 mon -1 sec',
    j: '  "spaced"  ',
    n: '123456789012345678901234567890.123456789012345678901234567890',
    n2: '0',
    ip: '198.51.100.1',
    net: '203.0.0.0/16',
    tsv: "'ünïcode':1",
    mood: 'sad',
    sku: 'B',
    u: '12345678-1234-1234-1234-123456789012',
    b: '\\xabababababababababababababababababababababababababababababababababababababababababababababababababab',
    jb: '"\\u00e9"',
    c: ' x',
    tags: '{a}',
    ints: '{7,8,9}',
    moods: '{sad,ok,happy}',
    nums: '{-123456789012345678901234567890.123456789}',
    vcs: '{"a\\"b"}',
    bits: '10000000',
    vb: '0',
    x: '<!-- c --><r/>',
    bitsa: '{NULL}',
    vba: '{NULL,""}',
    xa: '{"<!-- x -->"}',
  },
  {},
];

/**
 * The source and target contracts of the awkward table, the target's columns renamed `x_<name>`
 * when `renamed`; the transform a map, or a projection (`columns`) when `projected`.
 */
function contracts(columns: Builders, renamed: boolean, projected = false) {
  const names = Object.keys(columns);
  const Source = defineTable({
    name: 'awkward',
    columns: { id: col.integer().primaryKey(), ...columns },
  });
  const targetColumns = Object.fromEntries(
    names.map((name) => [renamed ? `x_${name}` : name, columns[name] as ColumnBuilder<unknown>]),
  );
  const Target = withAudit(
    defineTable({
      name: 'awkward',
      schema: 'bronze',
      columns: { id: col.integer().primaryKey(), ...targetColumns },
    }),
  );
  const transform = projected
    ? defineTransform({
        from: Source as AnyTable,
        to: Target as AnyTable,
        columns: Object.fromEntries(
          ['id', ...names].map((name) => [renamed && name !== 'id' ? `x_${name}` : name, name]),
        ),
      })
    : defineTransform({
        from: Source,
        to: Target,
        map: (row) =>
          Object.fromEntries(
            Object.entries(row).map(([name, value]) => [
              renamed && name !== 'id' ? `x_${name}` : name,
              value,
            ]),
          ) as never,
      });
  return {
    Source: Source as AnyTable,
    Target: Target as AnyTable,
    transform: transform as AnyTransform,
  };
}

/** Each row's values as PostgreSQL prints them (the loader's session settings), in key order. */
async function printed(schema: string, columns: readonly string[]): Promise<string[]> {
  const rows = await sql<{ v: string }>(
    `select row(id, ${columns.join(', ')})::text as v from ${schema}.awkward order by id`,
  );
  return rows.map((r) => r.v);
}

describe('every kind round-trips exactly through binary and text COPY', () => {
  const schemas: string[] = [];

  beforeAll(async () => {
    await db.connect();
    await sql(SESSION_SETTINGS);
    await sql(`create schema ${SRC}`);
    await sql(`create type ${SRC}.mood as enum ('sad', 'ok', 'happy')`);
    await sql(`create domain ${SRC}.sku as text check (value ~ '^[A-Z]')`);
  });

  afterAll(() => db.close([SRC, ...schemas], 'pt'));

  const cases = [
    { table: 'binary kinds', columns: binaryColumns as Builders, binary: true },
    {
      table: 'every kind',
      columns: { ...binaryColumns, ...textColumns } as Builders,
      binary: false,
    },
  ];
  for (const { table, columns, binary } of cases) {
    const names = Object.keys(columns);
    const modes = [
      { mode: 'passed through', renamed: false, projected: false },
      { mode: 'renamed (encoded)', renamed: true, projected: false },
      { mode: 'a renaming projection (proved from the bytes)', renamed: true, projected: true },
    ];
    for (const { mode, renamed, projected } of modes) {
      for (const format of ['binary', 'text'] as const) {
        const label = `${table}, ${mode}, ${format} COPY`;
        it(`${label}: exact, then merged again into the populated target`, async () => {
          const dst = scratchSchema(`pt_${schemas.length}`);
          schemas.push(dst);
          await sql(`drop table if exists ${SRC}.awkward`);
          await sql(
            `create table ${SRC}.awkward (id integer primary key, ${names.map((n) => `${n} ${SOURCE_DDL[n]}`).join(', ')})`,
          );
          for (const [i, row] of ROWS.entries()) {
            const params: unknown[] = [i + 1];
            const values = names.map((n) => {
              if (row[n] === undefined) return 'null';
              params.push(row[n]);
              return `$${params.length}`;
            });
            await sql(
              `insert into ${SRC}.awkward (id, ${names.join(', ')}) values ($1, ${values.join(', ')})`,
              params,
            );
          }
          const { Source, Target, transform } = contracts(columns, renamed, projected);
          const targetNames = renamed ? names.map((n) => `x_${n}`) : names;
          const load = () =>
            loadTable(
              testLoadOptions(
                { sourceTable: Source, targetTable: Target, transform, cursor: null },
                { source, target, sourceSchema: SRC, targetSchema: dst },
                { copyFormat: format === 'binary' ? 'auto' : 'text' },
              ),
            );
          const expected = await printed(SRC, names);

          const first = await load();
          expect(first).toMatchObject({ read: ROWS.length, written: ROWS.length, rejected: 0 });
          expect(first.format).toBe(binary ? format : 'text');
          expect(await printed(dst, targetNames)).toEqual(expected);

          // The second run merges through the staging table into the populated target.
          const second = await load();
          expect(second).toMatchObject({ read: ROWS.length, written: 0, rejected: 0 });
          expect(await printed(dst, targetNames)).toEqual(expected);

          // Changes that only exact comparisons see: a json's whitespace, a float's sign.
          await sql(`update ${SRC}.awkward set j = '{"a":1, "a":2}' where id = 1`);
          await sql(`update ${SRC}.awkward set f = 0 where id = 4`);
          const third = await load();
          expect(third).toMatchObject({ read: ROWS.length, written: 2, rejected: 0 });
          expect(await printed(dst, targetNames)).toEqual(await printed(SRC, names));

          // No drift on either side: the domain over text, the enum type the target got.
          const sourceDrift = compareSchema(
            [Source],
            await readLiveSchema(db.admin, SRC, ['awkward']),
            {
              side: 'source',
              extraColumns: 'discard',
              normalizeType: postgresDialect.normalizeType,
            },
          );
          expect(sourceDrift.breaking).toEqual([]);
          const targetDrift = compareSchema(
            [Target],
            await readLiveSchema(db.admin, dst, ['awkward']),
            {
              side: 'target',
              extraColumns: 'discard',
              normalizeType: postgresDialect.normalizeType,
            },
          );
          expect(targetDrift.breaking).toEqual([]);
        });
      }
    }
  }
});

describe('a source with text-only kinds the target does not keep', () => {
  const DOCS_SRC = scratchSchema('ptd_src');
  const DOCS_DST = scratchSchema('ptd_dst');
  const docs = new ScratchDb();

  beforeAll(async () => {
    await docs.connect();
    await docs.sql(`create schema ${DOCS_SRC}`);
    await docs.sql(
      `create table ${DOCS_SRC}.docs (id integer primary key, title text not null,
         tsv tsvector, pt point, tags text[])`,
    );
    await docs.sql(
      `insert into ${DOCS_SRC}.docs values
         (1, 'a fat cat', to_tsvector('english', 'a fat cat sat'), point(1, 2), '{x,"y z"}'),
         (2, 'é', null, null, null), (3, 'b', '''q'':1A,2', point(-0.5, 3), '{}')`,
    );
  });

  afterAll(() => docs.close([DOCS_SRC, DOCS_DST, `${DOCS_DST}_t`], 'ptd'));

  it('reads tsvector and custom columns as their text in a binary load, and validates them', async () => {
    const Source = defineTable({
      name: 'docs',
      columns: {
        id: col.integer().primaryKey(),
        title: col.text(),
        tsv: col.tsvector().nullable(),
        pt: col.custom('point').nullable(),
        tags: col.array(col.text()).nullable(),
      },
    });
    const Target = withAudit(
      defineTable({
        name: 'docs',
        schema: 'bronze',
        columns: {
          id: col.integer().primaryKey(),
          title: col.text(),
          words: col.integer(),
          tags: col.array(col.text()).nullable(),
        },
      }),
    );
    const transform = defineTransform({
      from: Source,
      to: Target,
      // The tsvector's text as the text path reads it: one lexeme per space-separated word.
      map: (row) => ({
        id: row.id,
        title: row.title,
        words: row.tsv === null ? 0 : row.tsv.split(' ').length + (row.pt === null ? 0 : 100),
        tags: row.tags,
      }),
    });
    const load = (format: 'auto' | 'text', schema: string) =>
      loadTable(
        testLoadOptions(
          {
            sourceTable: Source as AnyTable,
            targetTable: Target as AnyTable,
            transform: transform as AnyTransform,
            cursor: null,
          },
          {
            source: docs.source,
            target: docs.target,
            sourceSchema: DOCS_SRC,
            targetSchema: schema,
          },
          { copyFormat: format },
        ),
      );
    const binary = await load('auto', DOCS_DST);
    expect(binary).toMatchObject({ read: 3, written: 3, rejected: 0, format: 'binary' });
    const printedRows = async (schema: string) =>
      (
        await docs.sql<{ v: string }>(
          `select row(id, title, words, tags)::text as v from ${schema}.docs order by id`,
        )
      ).map((r) => r.v);
    expect(await printedRows(DOCS_DST)).toEqual([
      '(1,"a fat cat",103,"{x,""y z""}")',
      '(2,é,0,)',
      '(3,b,101,{})',
    ]);
    // The text path reads the same values.
    const text = await load('text', `${DOCS_DST}_t`);
    expect(text).toMatchObject({ read: 3, written: 3, rejected: 0, format: 'text' });
    expect(await printedRows(`${DOCS_DST}_t`)).toEqual(await printedRows(DOCS_DST));
  });
});

describe('multi-dimensional arrays, which contracts do not describe', () => {
  const MD_SRC = scratchSchema('ptm_src');
  const MD_DST = scratchSchema('ptm_dst');
  const md = new ScratchDb();

  beforeAll(async () => {
    await md.connect();
    await md.sql(`create schema ${MD_SRC}`);
    // integer[][] is integer[] to the catalog: the dimensions are not recorded, nor enforced.
    await md.sql(`create table ${MD_SRC}.md (id integer primary key, m integer[][], b bit(2)[])`);
    await md.sql(
      `insert into ${MD_SRC}.md values (1, '{1,2}', '{01,NULL}'), (2, '{{1,2},{3,4}}', '{}'),
         (3, '[0:1]={5,6}', null), (4, null, '{{01},{10}}')`,
    );
  });

  afterAll(() => md.close([MD_SRC, MD_DST, `${MD_DST}_t`], 'ptm'));

  const columns = {
    id: col.integer().primaryKey(),
    m: col.array(col.integer()).nullable(),
    b: col.array(col.bit(2).nullable()).nullable(),
  };
  const Source = defineTable({ name: 'md', columns });
  const Target = withAudit(defineTable({ name: 'md', schema: 'bronze', columns }));
  const transform = defineTransform({ from: Source, to: Target, map: (row) => row });

  it('show no drift (the catalog prints integer[]), and each such row is rejected saying why', async () => {
    const drift = compareSchema(
      [Source as AnyTable],
      await readLiveSchema(md.admin, MD_SRC, ['md']),
      { side: 'source', extraColumns: 'discard', normalizeType: postgresDialect.normalizeType },
    );
    expect(drift.breaking).toEqual([]);
    for (const [format, schema] of [
      ['auto', MD_DST],
      ['text', `${MD_DST}_t`],
    ] as const) {
      const options = testLoadOptions(
        {
          sourceTable: Source as AnyTable,
          targetTable: Target as AnyTable,
          transform: transform as AnyTransform,
          cursor: null,
        },
        { source: md.source, target: md.target, sourceSchema: MD_SRC, targetSchema: schema },
        { copyFormat: format, rejectThreshold: 1 },
      );
      const result = await loadTable(options);
      expect(result).toMatchObject({
        read: 4,
        written: 1,
        rejected: 3,
        format: format === 'auto' ? 'binary' : 'text',
      });
      const rejects = await md.sql<{ id: number; reason: string }>(
        `select (row_data->>'id')::int as id, reason from _datakit.rejects
          where run_id = $1 order by id`,
        [options.runId],
      );
      const why =
        ': a multi-dimensional array or one not starting at index 1, which contracts do not describe (only one-dimensional arrays from 1)';
      expect(rejects).toEqual([
        { id: 2, reason: `m: expected an array (integer[]), received "{{1,2},{3,4}}"${why}` },
        { id: 3, reason: `m: expected an array (integer[]), received "[0:1]={5,6}"${why}` },
        { id: 4, reason: `b: expected an array (bit(2)[]), received "{{01},{10}}"${why}` },
      ]);
      const kept = await md.sql<{ v: string }>(
        `select row(id, m, b)::text as v from ${schema}.md order by id`,
      );
      expect(kept.map((r) => r.v)).toEqual(['(1,"{1,2}","{01,NULL}")']);
    }
  });
});
