import { describe, expect, it } from 'vitest';

import { writeModeProblems } from './_write-modes.ts';

const table = (name: string, primaryKey: string[]) => ({
  name,
  schema: 'bronze',
  columns: [],
  primaryKey,
  cursor: null,
});

/** A spec label as `datakit spec` writes it; `modes` absent as in images built before it. */
function label(withModes: boolean): string {
  const transforms = [
    {
      target: 'bronze.rental',
      mode: 'merge',
      modes: ['merge', 'append', 'replace'],
      cursor: 'last_update',
    },
    {
      target: 'bronze.audit_log',
      mode: 'append',
      modes: ['append', 'replace'],
      cursor: 'id',
      cursorUnique: true,
    },
    { target: 'bronze.rates', mode: 'replace', modes: ['replace'], cursor: null },
    // Images from before modes did not say whether a cursor is unique either.
  ].map(({ modes, cursorUnique, ...t }) => (withModes ? { ...t, modes, cursorUnique } : t));
  return JSON.stringify({
    contracts: [table('rental', ['rental_id']), table('audit_log', []), table('rates', [])],
    transforms,
  });
}

describe('writeModeProblems', () => {
  it('accepts no mode, a valid mode per table, and a mode every table supports', () => {
    expect(writeModeProblems(label(true), undefined)).toEqual([]);
    expect(writeModeProblems(label(true), { rental: 'replace', audit_log: 'replace' })).toEqual([]);
    expect(writeModeProblems(label(true), 'replace')).toEqual([]);
  });

  it('refuses a mode that would double a keyless table, naming field and table', () => {
    expect(writeModeProblems(label(true), 'merge')).toEqual([
      {
        field: 'mode',
        message: expect.stringMatching(
          /^merge is not a mode of table bronze\.audit_log \(it supports append, replace\): merge needs a primary key/,
        ),
      },
      {
        field: 'mode',
        message: expect.stringMatching(
          /^merge is not a mode of table bronze\.rates \(it supports replace\)/,
        ),
      },
    ]);
    expect(writeModeProblems(label(true), { rates: 'append', film: 'merge' })).toEqual([
      {
        field: 'mode.film',
        message: 'not a table of this datakit (its tables: rental, audit_log, rates)',
      },
      {
        field: 'mode.rates',
        message: expect.stringContaining('append needs a cursor'),
      },
    ]);
  });

  it('judges an image without declared modes by the rule itself', () => {
    const old = JSON.parse(label(false)) as { transforms: { mode: string }[] };
    old.transforms[2]!.mode = 'merge'; // a keyless table merged by default, as before modes
    expect(writeModeProblems(JSON.stringify(old), undefined)).toEqual([
      {
        // Not known to be unique: an old image's append after it may lose rows at a tie.
        field: null,
        message: expect.stringContaining(
          'append is not a mode of table bronze.audit_log (it supports replace): append needs a unique cursor',
        ),
      },
      {
        field: null,
        message: expect.stringContaining('merge is not a mode of table bronze.rates'),
      },
    ]);
    // A spec whose transforms name no mode at all: each table gets the runtime's default.
    const bare = JSON.parse(label(false)) as { transforms: Record<string, unknown>[] };
    for (const t of bare.transforms) delete t['mode'];
    expect(writeModeProblems(JSON.stringify(bare), undefined)).toEqual([]);
    expect(writeModeProblems('not json', 'merge')).toBeUndefined();
  });
});
