import { describe, expect, it } from 'vitest';

import { withAudit } from './audit.ts';
import { col } from './column.ts';
import { compileValidator } from './compile-validator.ts';
import { makeFactory } from './make-factory.ts';
import { defineTable } from './table.ts';
import { validateRow } from './validate-rows.ts';

const Everything = defineTable({
  name: 'everything',
  columns: {
    id: col.integer().primaryKey(),
    small: col.smallint({ min: 0, max: 10 }).nullable(),
    year: col.integer({ min: 1901, max: 2155, domain: 'year' }),
    big: col.bigint(),
    price: col.numeric(5, 2),
    name: col.varchar(5),
    code: col.char(2).nullable(),
    note: col.text(),
    flag: col.boolean(),
    day: col.date(),
    at: col.timestamp(),
    atz: col.timestamptz().nullable(),
    rating: col.enum(['G', 'PG']),
    tags: col.array(col.text()).nullable(),
    data: col.jsonb(),
    uid: col.uuid(),
    cash: col.money(),
    single: col.real(),
    float: col.double().nullable(),
    span: col.interval(),
    doc: col.json(),
    host: col.inet(),
    net: col.cidr(),
    words: col.tsvector(),
    blob: col.bytea().nullable(),
    amount: col.numeric(12, 2),
    ratio: col.numeric(),
    loose: col.array(col.text().nullable()),
    counts: col.array(col.integer({ min: 0 })).nullable(),
  },
});

/** Values at and past every edge, for every column. */
const EDGES: unknown[] = [
  null,
  undefined,
  0,
  -1,
  10,
  11,
  1900,
  1901,
  2155,
  2156,
  2147483647,
  2147483648,
  1.5,
  Number.NaN,
  '',
  'abcde',
  'abcdef',
  'ab',
  'a\u0000',
  '12.34',
  '1234.5',
  '2022-02-14',
  'G',
  'NC-17',
  true,
  'true',
  1n,
  new Date(0),
  new Date(Number.NaN),
  ['x'],
  { a: 1 },
  '0b2b6c56-3c2c-4c4e-9a4a-6d1c0c1a2b3c',
  '0044-03-15 BC',
  'infinity',
  '-infinity',
  'NaN',
  -0,
  Number.POSITIVE_INFINITY,
  1e39,
  1e-46,
  5e-324,
  'P1Y2M3DT4H5M6.789S',
  '{"a":1, "a":2}',
  '::ffff:1.2.3.4',
  '198.0.0.0/8',
  '198.0.0.1/8',
  Buffer.from([1, 2]),
  new Uint8Array([1, 2]),
  '0B2B6C56-3C2C-4C4E-9A4A-6D1C0C1A2B3C',
  '0b2b6c563c2c4c4e9a4a6d1c0c1a2b3c',
  '-0012.34',
  '1.234',
  '.5',
  '1e5',
  '-Infinity',
  'P',
  'PT',
  'P-1Y-2M3DT-4H5M-6.5S',
  'P2147483648D',
  ['x', null],
  [1, -1, 2147483648],
  [0, 5],
  // eslint-disable-next-line no-sparse-arrays
  ['x', , 'y'],
  [undefined],
  { a: [1, 'x', null, { b: true }] },
  { a: Number.NaN },
  { [Symbol('s')]: 1 },
  Object.assign(Object.create(null) as object, { a: 1 }),
  JSON.parse('{"__proto__": 1}') as unknown,
  '[1, 2',
];

describe('compileValidator', () => {
  const validate = compileValidator(Everything);

  it('accepts what the zod schema accepts and rejects what it rejects, column by column', () => {
    const rows = makeFactory(Everything, { seed: 7 }).buildMany(8);
    for (const base of rows) {
      expect(validate({ ...base })).toBeNull();
      for (const column of Object.keys(Everything.columns)) {
        for (const value of EDGES) {
          const row: Record<string, unknown> = { ...base, [column]: value };
          const zod = validateRow(Everything, { ...row });
          expect([column, value, validate(row)]).toEqual([
            column,
            value,
            zod.ok ? null : zod.reason,
          ]);
        }
      }
    }
  }, 60_000);

  it('keeps a jsonb value with a __proto__ key as it is (zod would rebuild it without)', () => {
    const [row] = makeFactory(Everything).buildMany(1);
    const data = JSON.parse('{"__proto__": 1, "a": 2}') as unknown;
    const checked: Record<string, unknown> = { ...row, data };
    expect(validate(checked)).toBeNull();
    expect(checked.data).toBe(data);
    expect(JSON.stringify(checked.data)).toBe('{"__proto__":1,"a":2}');
  });

  it('rejects unknown and missing keys in the words of the zod schema', () => {
    const [row] = makeFactory(Everything).buildMany(1);
    const extra = { ...row, extra: 1 };
    expect(validate(extra)).toBe((validateRow(Everything, extra) as { reason: string }).reason);
    const { note: _note, ...missing } = row as Record<string, unknown>;
    expect(validate(missing)).toBe('note: missing (expected string)');
  });

  it('leaves out the unknown-key scan for rows made with exactly the columns', () => {
    const [row] = makeFactory(Everything).buildMany(1);
    const exact = compileValidator(Everything, { exactKeys: true });
    expect(exact({ ...row, extra: 1 })).toBeNull();
    expect(exact({ ...row, note: 5 })).toContain('note');
  });

  it('leaves out the audit columns and skips trusted columns', () => {
    const Audited = withAudit(Everything);
    const [row] = makeFactory(Everything).buildMany(1);
    expect(compileValidator(Audited, { withoutAudit: true })({ ...row })).toBeNull();
    expect(compileValidator(Audited)({ ...row })).toContain('_run_id');
    const trusted = compileValidator(Everything, { trusted: new Set(['name']) });
    const reference = { name: 'far too long' };
    expect(trusted({ ...row, name: 'far too long' }, reference)).toBeNull();
    expect(trusted({ ...row, name: 'far too long' })).toContain('name');
    expect(trusted({ ...row, name: 'other long one' }, reference)).toContain('name');
    expect(trusted({ ...row, note: 5 }, reference)).toContain('note');
  });

  it('checks only the NULLs of typed columns (valid by construction otherwise)', () => {
    const [row] = makeFactory(Everything).buildMany(1);
    const typed = compileValidator(Everything, { typed: new Set(['uid', 'atz']) });
    expect(typed({ ...row, uid: 'decoded, so not checked' })).toBeNull();
    expect(typed({ ...row, atz: null })).toBeNull();
    expect(typed({ ...row, uid: null })).toBe(
      (validateRow(Everything, { ...row, uid: null }) as { reason: string }).reason,
    );
    expect(typed({ ...row, note: 5 })).toContain('note');
  });
});
