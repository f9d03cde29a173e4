import { describe, expect, it } from 'vitest';

import { renderCall } from '../_builder-call.ts';
import { builtinCall } from './_postgres-columns.ts';

describe('column kinds of PostgreSQL types', () => {
  it.each([
    ['smallint', 'col.smallint()'],
    ['bigint', 'col.bigint()'],
    ['numeric(12,2)', 'col.numeric(12, 2)'],
    ['numeric', 'col.numeric()'],
    ['character varying(45)', 'col.varchar(45)'],
    ['character varying', "col.text().nativeType('character varying')"],
    ['character(20)', 'col.char(20)'],
    ['double precision', 'col.double()'],
    ['timestamp(3) with time zone', "col.timestamptz().nativeType('timestamp(3) with time zone')"],
    ['interval day to second', "col.interval().nativeType('interval day to second')"],
    ['text[]', 'col.array(col.text().nullable())'],
    ['character varying(20)[]', 'col.array(col.varchar(20).nullable())'],
    ['xml', 'col.xml()'],
    ['bit(8)', 'col.bit(8)'],
    ['bit(1)', 'col.bit(1)'],
    ['bit varying(12)', 'col.varbit(12)'],
    ['bit varying', 'col.varbit()'],
    ['bit(8)[]', 'col.array(col.bit(8).nullable())'],
    ['xml[]', 'col.array(col.xml().nullable())'],
    ['point', "col.custom('point')"],
    ['integer[][]', "col.custom('integer[][]')"],
  ])('writes %s as %s', (type, code) => {
    expect(renderCall(builtinCall(type).call)).toBe(code);
  });
});
