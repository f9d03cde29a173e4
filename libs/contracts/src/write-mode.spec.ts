import { describe, expect, it } from 'vitest';

import { defaultWriteMode, validWriteModes, writeModeRefusal } from './write-mode.ts';

const keyed = { primaryKey: ['id'], cursor: null };
const keyedCursor = { primaryKey: ['id'], cursor: 'updated_at' };
const keyless = { primaryKey: [], cursor: null };
const keylessCursor = { primaryKey: [], cursor: 'id' };

describe('write modes', () => {
  it('never merges a table without a key, never appends a full read', () => {
    expect(writeModeRefusal('merge', keyless)).toMatch(/^merge needs a primary key/);
    expect(writeModeRefusal('merge', keylessCursor)).toMatch(/^merge needs a primary key/);
    expect(writeModeRefusal('append', keyed)).toMatch(/^append needs a cursor/);
    expect(writeModeRefusal('append', keyless)).toMatch(/^append needs a cursor/);
    expect(writeModeRefusal('replace', keyless)).toBeUndefined();
    expect(writeModeRefusal('merge', keyed)).toBeUndefined();
    expect(writeModeRefusal('append', keylessCursor)).toBeUndefined();
  });

  it('lists the valid modes and picks a default that neither loses nor doubles rows', () => {
    expect([keyed, keyedCursor, keyless, keylessCursor].map(validWriteModes)).toEqual([
      ['merge', 'replace'],
      ['merge', 'append', 'replace'],
      ['replace'],
      ['append', 'replace'],
    ]);
    expect([keyed, keyedCursor, keyless, keylessCursor].map(defaultWriteMode)).toEqual([
      'merge',
      'merge',
      'replace',
      'append',
    ]);
  });
});
