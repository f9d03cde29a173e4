import { describe, expect, it } from 'vitest';

import { keytabKeys, keytabNeedles, NeedleScanner } from './secret-needles.ts';

/** A keytab with one entry for `a@R`, enctype 18, the given key. */
function keytab(key: Buffer): Buffer {
  const counted = (s: string) => {
    const b = Buffer.alloc(2 + s.length);
    b.writeUInt16BE(s.length);
    b.write(s, 2);
    return b;
  };
  const body = Buffer.concat([
    Buffer.from([0, 1]), // one component
    counted('R'),
    counted('a'),
    Buffer.from([0, 0, 0, 1]), // name type
    Buffer.from([0, 0, 0, 0]), // timestamp
    Buffer.from([1]), // kvno
    Buffer.from([0, 18]), // enctype
    Buffer.from([0, key.length]),
    key,
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([Buffer.from([5, 2]), size, body]);
}

const key = Buffer.from('0123456789abcdef0123456789ABCDEF');

describe('keytabKeys', () => {
  it('reads the key block of each entry', () => {
    expect(keytabKeys(keytab(key))).toEqual([key]);
  });
});

describe('NeedleScanner', () => {
  it('finds a needle split across two chunks', () => {
    const scanner = new NeedleScanner(keytabNeedles('k', keytab(key)));
    scanner.push(Buffer.concat([Buffer.from('xxxx'), key.subarray(0, 10)]));
    scanner.push(Buffer.concat([key.subarray(10), Buffer.from('yyyy')]));
    expect(scanner.found()).toEqual(['k key 0']);
  });

  it('finds the key in base64 and hex', () => {
    const scanner = new NeedleScanner(keytabNeedles('k', keytab(key)));
    scanner.push(Buffer.from(`a ${key.toString('base64')} b ${key.toString('hex')}`));
    expect(scanner.found()).toEqual(['k key 0 (base64)', 'k key 0 (hex)']);
  });

  it('finds nothing in unrelated bytes', () => {
    const scanner = new NeedleScanner(keytabNeedles('k', keytab(key)));
    scanner.push(Buffer.alloc(100_000, 7));
    expect(scanner.found()).toEqual([]);
  });
});
