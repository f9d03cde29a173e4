import { describe, expect, it } from 'vitest';

import { col } from './column.ts';
import { defineTable } from './table.ts';
import {
  cursorIsUnique,
  defaultWriteMode,
  validWriteModes,
  writeModeRefusal,
} from './write-mode.ts';

const keyed = { primaryKey: ['id'], cursor: null };
const keyedCursor = { primaryKey: ['id'], cursor: 'updated_at' };
const keyless = { primaryKey: [], cursor: null };
const keylessCursor = { primaryKey: [], cursor: 'at' };
const keylessUnique = { primaryKey: [], cursor: 'version', cursorUnique: true };
const deduped = { primaryKey: [], cursor: 'at', dedupOn: ['event_id'] };

describe('write modes', () => {
  it('never merges a table without a key or dedup rule, never appends a full read', () => {
    expect(writeModeRefusal('merge', keyless)).toMatch(/^merge needs a primary key/);
    expect(writeModeRefusal('merge', keylessCursor)).toMatch(/^merge needs a primary key/);
    expect(writeModeRefusal('merge', deduped)).toBeUndefined();
    expect(writeModeRefusal('append', keyed)).toMatch(/^append needs a cursor/);
    expect(writeModeRefusal('append', keyless)).toMatch(/^append needs a cursor/);
    expect(writeModeRefusal('replace', keyless)).toBeUndefined();
    expect(writeModeRefusal('merge', keyed)).toBeUndefined();
    expect(writeModeRefusal('append', keylessUnique)).toBeUndefined();
  });

  it('never appends after a cursor several rows can share', () => {
    expect(writeModeRefusal('append', keylessCursor)).toBe(
      "append needs a unique cursor (the source's primary key or a rowversion): rows sharing the saved value of at would be lost or doubled; use merge (on a key or dedupOn), or replace",
    );
    expect(writeModeRefusal('append', keyedCursor)).toMatch(/^append needs a unique cursor/);
  });

  it('lists the valid modes and picks a default that neither loses nor doubles rows', () => {
    const facts = [keyed, keyedCursor, keyless, keylessCursor, keylessUnique, deduped];
    expect(facts.map(validWriteModes)).toEqual([
      ['merge', 'replace'],
      ['merge', 'replace'],
      ['replace'],
      ['replace'],
      ['append', 'replace'],
      ['merge', 'replace'],
    ]);
    expect(facts.map(defaultWriteMode)).toEqual([
      'merge',
      'merge',
      'replace',
      'replace',
      'append',
      'merge',
    ]);
  });

  it('counts a cursor unique when it is the whole source key or a rowversion', () => {
    const table = defineTable({
      name: 'events',
      columns: {
        id: col.bigint().primaryKey(),
        at: col.timestamptz().cursor(),
        version: col.bigint().nativeType('rowversion'),
      },
    });
    expect(['id', 'at', 'version', 'missing'].map((c) => cursorIsUnique(table, c))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(cursorIsUnique(table, null)).toBe(false);
  });
});
