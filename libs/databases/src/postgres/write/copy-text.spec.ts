import { describe, expect, it } from 'vitest';

import { escapeCopyText, parseCopyLine } from './copy-text.ts';

describe('parseCopyLine', () => {
  it('splits fields on tabs and reads \\N as null', () => {
    expect(parseCopyLine('1\tPENELOPE\t\\N\t')).toEqual(['1', 'PENELOPE', null, '']);
  });

  it('unescapes backslash sequences, octal and hex', () => {
    expect(parseCopyLine('a\\tb\\nc\\\\d\\r\t\\101\\x42\t\\N\\N')).toEqual([
      'a\tb\nc\\d\r',
      'AB',
      'NN',
    ]);
  });

  it('keeps a field that only looks like null when escaped', () => {
    expect(parseCopyLine('\\\\N')).toEqual(['\\N']);
  });

  it('reuses the array it is given', () => {
    const into: (string | null)[] = ['old', 'old', 'old'];
    expect(parseCopyLine('x', into)).toBe(into);
    expect(into).toEqual(['x']);
  });
});

describe('escapeCopyText', () => {
  it('returns plain text as is and escapes the four special characters', () => {
    const plain = 'ACADEMY DINOSAUR';
    expect(escapeCopyText(plain)).toBe(plain);
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });

  it('round-trips through parseCopyLine', () => {
    const texts = ['tab\there', 'new\nline', 'back\\slash', '\\N', 'plain', ''];
    expect(parseCopyLine(texts.map(escapeCopyText).join('\t'))).toEqual(texts);
  });
});
