import { describe, expect, it } from 'vitest';

import { col } from './column.ts';

describe('col', () => {
  it('spells SQL types the way PostgreSQL does', () => {
    expect({
      smallint: col.smallint().meta.sqlType,
      integer: col.integer().meta.sqlType,
      bigint: col.bigint().meta.sqlType,
      numeric: col.numeric(5, 2).meta.sqlType,
      plainNumeric: col.numeric().meta.sqlType,
      varchar: col.varchar(45).meta.sqlType,
      char: col.char(20).meta.sqlType,
      timestamp: col.timestamp().meta.sqlType,
      timestamptz: col.timestamptz().meta.sqlType,
      textArray: col.array(col.text()).meta.sqlType,
      enum: col.enum(['a', 'b'], { typeName: 'mood' }).meta.sqlType,
      textEnum: col.enum(['a', 'b']).meta.sqlType,
      tsvector: col.custom('tsvector').meta.sqlType,
    }).toEqual({
      smallint: 'smallint',
      integer: 'integer',
      bigint: 'bigint',
      numeric: 'numeric(5,2)',
      plainNumeric: 'numeric',
      varchar: 'varchar(45)',
      char: 'char(20)',
      timestamp: 'timestamp without time zone',
      timestamptz: 'timestamp with time zone',
      textArray: 'text[]',
      enum: 'mood',
      textEnum: 'text',
      tsvector: 'tsvector',
    });
  });

  it('leaves the original builder unchanged when a modifier is applied', () => {
    const id = col.integer();
    id.primaryKey().nullable().cursor().source('ID');

    expect(id.meta).toMatchObject({ nullable: false, primaryKey: false, cursor: false });
    expect(id.sourceName).toBeUndefined();
  });

  it('accepts numeric strings within precision and scale and rejects the rest', () => {
    const amount = col.numeric(5, 2).zod;

    expect(
      ['0', '4.99', '-999.99', '123.4', '007.50'].map((v) => amount.safeParse(v).success),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['1000.00', '4.999', '4.', 'Infinity', '1e3', '', 'nan'].map(
        (v) => amount.safeParse(v).success,
      ),
    ).toEqual([false, false, false, false, false, false, false]);
  });

  it('accepts every uuid PostgreSQL and SQL Server hold, whatever its version bits', () => {
    const uuid = col.uuid().zod;

    expect(
      [
        '6F9619FF-8B86-D011-B42D-00C04FC964FF', // version nibble D: SQL Server's docs' example
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ].map((v) => uuid.safeParse(v).success),
    ).toEqual([true, true, true, true]);
    expect(
      [
        '',
        '6F9619FF8B86D011B42D00C04FC964FF',
        '6F9619FF-8B86-D011-B42D-00C04FC964F',
        'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ].map((v) => uuid.safeParse(v).success),
    ).toEqual([false, false, false, false]);
  });

  it('rejects a numeric given as a number, so no precision is lost on the way', () => {
    expect(col.numeric(4, 2).zod.safeParse(4.99).success).toBe(false);
  });

  it('rejects text longer than its varchar length', () => {
    const name = col.varchar(3).zod;

    expect(name.safeParse('abc').success).toBe(true);
    expect(name.safeParse('abcd').success).toBe(false);
  });

  it('rejects text containing a NUL character, which PostgreSQL cannot store', () => {
    expect(col.text().zod.safeParse('a\u0000b').success).toBe(false);
  });

  it('keeps integers inside the SQL type range and the domain bounds', () => {
    expect(col.smallint().zod.safeParse(32768).success).toBe(false);
    expect(col.integer().zod.safeParse(2 ** 31).success).toBe(false);
    expect(col.integer().zod.safeParse(1.5).success).toBe(false);
    expect(col.integer({ min: 1901, max: 2155 }).zod.safeParse(1900).success).toBe(false);
    expect(col.integer({ min: 1901, max: 2155 }).zod.safeParse(2006).success).toBe(true);
  });

  it('accepts null only after nullable()', () => {
    expect(col.text().zod.safeParse(null).success).toBe(false);
    expect(col.text().nullable().zod.safeParse(null).success).toBe(true);
  });

  it('represents dates as ISO strings and timestamps as Date objects', () => {
    expect(col.date().zod.safeParse('2022-02-14').success).toBe(true);
    expect(col.date().zod.safeParse(new Date()).success).toBe(false);
    expect(col.timestamptz().zod.safeParse(new Date('2022-02-14T10:00:00Z')).success).toBe(true);
    expect(col.timestamptz().zod.safeParse('2022-02-14T10:00:00Z').success).toBe(false);
    expect(col.timestamptz().zod.safeParse(new Date('nope')).success).toBe(false);
  });

  it('accepts only the listed values of an enum', () => {
    const rating = col.enum(['G', 'PG-13']).zod;

    expect(rating.safeParse('PG-13').success).toBe(true);
    expect(rating.safeParse('X').success).toBe(false);
  });

  it('validates every element of an array column', () => {
    const tags = col.array(col.varchar(3)).zod;

    expect(tags.safeParse(['ab', 'cd']).success).toBe(true);
    expect(tags.safeParse(['ab', 'long']).success).toBe(false);
    expect(tags.safeParse(['ab', null]).success).toBe(false);
  });

  it('represents bytea as a Buffer and bigint as a bigint', () => {
    expect(col.bytea().zod.safeParse(Buffer.from('x')).success).toBe(true);
    expect(col.bytea().zod.safeParse('x').success).toBe(false);
    expect(col.bigint().zod.safeParse(2n ** 62n).success).toBe(true);
    expect(col.bigint().zod.safeParse(2n ** 63n).success).toBe(false);
  });

  it('refuses a numeric scale larger than its precision', () => {
    expect(() => col.numeric(2, 3)).toThrow('numeric scale must be an integer in [0, 2], got 3');
  });

  it("states another database's spelling with nativeType(), keeping kind and validation", () => {
    const name = col.varchar(3).nativeType('nvarchar(3)').nullable();
    expect(name.meta).toMatchObject({ kind: 'varchar', sqlType: 'nvarchar(3)', maxLength: 3 });
    expect(name.zod.safeParse('abcd').success).toBe(false);
    expect(name.zod.safeParse(null).success).toBe(true);
    expect(() => col.text().nativeType(' ')).toThrow('nativeType() takes a non-empty SQL type');
  });
});

describe('bit strings and xml', () => {
  const messages = (
    schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } },
    value: unknown,
  ) => schema.safeParse(value).error?.issues.map((i) => i.message) ?? [];

  it('spells bit(n), bit varying(n) and xml as format_type prints them', () => {
    expect(col.bit(8).meta).toMatchObject({ kind: 'bit', sqlType: 'bit(8)', maxLength: 8 });
    expect(col.varbit(12).meta).toMatchObject({
      kind: 'varbit',
      sqlType: 'bit varying(12)',
      maxLength: 12,
    });
    expect(col.varbit().meta).toEqual(expect.objectContaining({ sqlType: 'bit varying' }));
    expect(col.varbit().meta.maxLength).toBeUndefined();
    expect(col.xml().meta).toMatchObject({ kind: 'xml', sqlType: 'xml' });
    expect(col.array(col.bit(8).nullable()).meta.sqlType).toBe('bit(8)[]');
  });

  it('takes exactly n digits 0 and 1 for bit(n)', () => {
    const flags = col.bit(8).zod;
    expect(flags.safeParse('10100101').success).toBe(true);
    expect(flags.safeParse('00000000').success).toBe(true);
    expect(messages(flags, '101')).toEqual([
      'expected a bit(8) value (exactly 8 of 0 and 1), received "101"',
    ]);
    expect(flags.safeParse('101001011').success).toBe(false);
    expect(messages(flags, '1010010x')).toEqual([
      'expected a bit(8) value (exactly 8 of 0 and 1), received "1010010x"',
    ]);
    expect(flags.safeParse('1010 101').success).toBe(false);
    expect(flags.safeParse(165).success).toBe(false);
    expect(flags.safeParse('').success).toBe(false);
  });

  it('takes at most n digits for bit varying(n), the empty bit string included', () => {
    const mask = col.varbit(12).zod;
    expect(mask.safeParse('').success).toBe(true);
    expect(mask.safeParse('1').success).toBe(true);
    expect(mask.safeParse('101010101010').success).toBe(true);
    expect(messages(mask, '1010101010101')).toEqual([
      'expected a bit varying(12) value (at most 12 of 0 and 1), received "1010101010101"',
    ]);
    expect(mask.safeParse('2').success).toBe(false);
    expect(col.varbit().zod.safeParse('1'.repeat(10_000)).success).toBe(true);
    expect(col.varbit().zod.safeParse('01b').success).toBe(false);
  });

  it('refuses a bit length that is not a positive integer', () => {
    expect(() => col.bit(0)).toThrow('bit length must be a positive integer, got 0');
    expect(() => col.varbit(2.5)).toThrow('bit varying length must be a positive integer, got 2.5');
  });

  it('keeps xml as text, refusing only NUL (PostgreSQL checks well-formedness on write)', () => {
    const doc = col.xml().zod;
    expect(doc.safeParse('<a b="1">x</a>').success).toBe(true);
    expect(doc.safeParse('text <b/> more').success).toBe(true);
    expect(doc.safeParse('').success).toBe(true);
    expect(messages(doc, 'a\u0000b')).toEqual([
      'expected xml text (without NUL characters), received "a\\u0000b"',
    ]);
    expect(doc.safeParse(1).success).toBe(false);
  });

  it('tells NULL elements, an empty array and a NULL array of bit strings apart', () => {
    const strict = col.array(col.bit(2)).zod;
    const loose = col.array(col.bit(2).nullable()).nullable().zod;
    expect(strict.safeParse(['01', '10']).success).toBe(true);
    expect(strict.safeParse([]).success).toBe(true);
    expect(strict.safeParse(['01', null]).success).toBe(false);
    expect(strict.safeParse(null).success).toBe(false);
    expect(strict.safeParse(['011']).success).toBe(false);
    expect(loose.safeParse(['01', null]).success).toBe(true);
    expect(loose.safeParse(null).success).toBe(true);
    expect(col.array(col.varbit().nullable()).zod.safeParse(['', null, '1']).success).toBe(true);
  });
});

describe('multi-dimensional arrays', () => {
  it('have no kind: an array of arrays is refused when the contract is written', () => {
    expect(() => col.array(col.array(col.integer()) as never)).toThrow(
      'col.array() takes a scalar column, not another array: multi-dimensional arrays have no column kind',
    );
  });

  it('say why a multi-dimensional or offset value (read as PostgreSQL text) is rejected', () => {
    const ints = col.array(col.integer()).zod;
    expect(ints.safeParse('{{1,2},{3,4}}').error?.issues[0]?.message).toBe(
      'expected an array (integer[]), received "{{1,2},{3,4}}": a multi-dimensional array or one not starting at index 1, which contracts do not describe (only one-dimensional arrays from 1)',
    );
    expect(ints.safeParse('[0:1]={1,2}').error?.issues[0]?.message).toMatch(
      /not starting at index 1/,
    );
    expect(ints.safeParse(5).error?.issues[0]?.message).toBe(
      'expected an array (integer[]), received 5',
    );
  });
});
