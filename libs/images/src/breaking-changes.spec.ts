import { describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { formatBreakingChanges, notesBetween, parseBreakingChanges } from './breaking-changes.ts';

const note = (change: string) => ({ changes: [change], migration: `-- ${change}` });
const notes = { '10.0.0': note('ten'), '2.0.0': note('two'), '3.0.0': note('three') };

describe('breaking-change notes', () => {
  it('orders the label by version, numerically', () => {
    expect(Object.keys(JSON.parse(formatBreakingChanges(notes)) as object)).toEqual([
      '2.0.0',
      '3.0.0',
      '10.0.0',
    ]);
  });

  it('gives the notes an upgrade crosses: after the locked version, up to the new one', () => {
    expect(notesBetween(notes, '1.4.0', '3.0.0').map((n) => n.version)).toEqual(['2.0.0', '3.0.0']);
    expect(notesBetween(notes, '2.0.0', '2.5.0')).toEqual([]);
    expect(notesBetween(notes, '3.0.0', '10.1.0').map((n) => n.note.changes)).toEqual([['ten']]);
  });

  it('names the file and field of notes that are not valid', () => {
    const parse = (text: string) => () => parseBreakingChanges(text, 'breaking-changes.json');
    expect(parse('{')).toThrow(ConfigError);
    expect(parse('{"2.0": {"changes": ["x"], "migration": ""}}')).toThrow(
      'breaking-changes.json: field "2.0"',
    );
    expect(parse('{"2.0.0": {"changes": [], "migration": ""}}')).toThrow(
      'breaking-changes.json: field "2.0.0.changes": expected at least one change.',
    );
    expect(parseBreakingChanges(JSON.stringify(notes), 'x')).toEqual(notes);
  });
});
