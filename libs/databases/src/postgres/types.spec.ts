import { describe, expect, it } from 'vitest';

import { normalizeSqlType } from './types.ts';

describe('normalizeSqlType', () => {
  it.each([
    ['character varying(45)', 'varchar(45)'],
    ['varchar(45)', 'varchar(45)'],
    ['character(20)', 'char(20)'],
    ['bpchar', 'char(1)'],
    ['timestamp with time zone', 'timestamptz'],
    ['timestamptz', 'timestamptz'],
    ['timestamp(3) with time zone', 'timestamptz(3)'],
    ['timestamp without time zone', 'timestamp'],
    ['int4', 'integer'],
    ['INTEGER', 'integer'],
    ['int2', 'smallint'],
    ['numeric(5, 2)', 'numeric(5,2)'],
    ['decimal(5,2)', 'numeric(5,2)'],
    ['public.mpaa_rating', 'mpaa_rating'],
    ['text[]', 'text[]'],
    ['character varying(10)[]', 'varchar(10)[]'],
    ['bool', 'boolean'],
    ['tsvector', 'tsvector'],
    ['float4', 'real'],
    ['float(24)', 'real'],
    ['float(25)', 'double precision'],
    ['float8', 'double precision'],
    ['money', 'money'],
    ['interval', 'interval'],
    ['bit(8)', 'bit(8)'],
    ['bit', 'bit(1)'],
    ['bit varying(12)', 'bit varying(12)'],
    ['varbit(12)', 'bit varying(12)'],
    ['varbit', 'bit varying'],
    ['BIT VARYING (12)', 'bit varying(12)'],
    ['bit(8)[]', 'bit(8)[]'],
    ['varbit[]', 'bit varying[]'],
    ['xml', 'xml'],
    ['xml[]', 'xml[]'],
  ])('spells %s as %s', (input, expected) => {
    expect(normalizeSqlType(input)).toBe(expected);
  });

  it('keeps different lengths apart', () => {
    expect(normalizeSqlType('varchar(45)')).not.toBe(normalizeSqlType('character varying(50)'));
    expect(normalizeSqlType('bit(8)')).not.toBe(normalizeSqlType('bit varying(8)'));
  });
});
