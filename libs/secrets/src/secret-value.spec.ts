import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretError } from './secret-error.ts';
import { SecretValue } from './secret-value.ts';

const VALUE = 'hunter2-do-not-print';
const make = (): SecretValue => new SecretValue('env:PG_PASSWORD', Buffer.from(VALUE));

describe('SecretValue', () => {
  it('shows its name, not its value, through String()', () => {
    expect(String(make())).toBe('[secret env:PG_PASSWORD]');
  });

  it('shows its name, not its value, in template literals and concatenation', () => {
    const secret = make();
    expect(`${secret}`).toBe('[secret env:PG_PASSWORD]');
    expect('x' + secret).toBe('x[secret env:PG_PASSWORD]');
  });

  it('shows its name, not its value, through JSON.stringify, also when nested', () => {
    expect(JSON.stringify({ password: make() })).toBe('{"password":"[secret env:PG_PASSWORD]"}');
  });

  it('shows its name, not its value, through util.inspect with any options', () => {
    const secret = make();
    expect(inspect(secret)).toBe('[secret env:PG_PASSWORD]');
    expect(inspect({ nested: [secret] }, { depth: 10 })).toContain('[secret env:PG_PASSWORD]');
    expect(inspect(secret, { showHidden: true, customInspect: false, depth: 10 })).not.toContain(
      VALUE,
    );
  });

  it('shows its name, not its value, through console-style formatting', () => {
    const secret = make();
    for (const pattern of ['%s', '%o', '%O', '%j', '%d']) {
      expect(format(pattern, secret), pattern).not.toContain(VALUE);
    }
    expect(format('%s', secret)).toBe('[secret env:PG_PASSWORD]');
    expect(format(secret, { secret })).not.toContain(VALUE);
  });

  it('exposes no own property that holds the bytes', () => {
    const secret = make();
    expect(Object.keys(secret)).toEqual(['name']);
    expect(JSON.stringify(Object.getOwnPropertyDescriptors(secret))).not.toContain(VALUE);
    expect(JSON.stringify(structuredClone(secret))).not.toContain(VALUE);
  });

  it('returns the bytes through reveal() and the text through revealText()', () => {
    const secret = make();
    expect(secret.reveal()).toEqual(Buffer.from(VALUE));
    expect(secret.revealText()).toBe(VALUE);
    expect(secret.byteLength).toBe(VALUE.length);
  });

  it('zero-fills the revealed buffer on dispose()', () => {
    const secret = make();
    const bytes = secret.reveal();
    secret.dispose();
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    expect(secret.disposed).toBe(true);
    expect(secret.byteLength).toBe(0);
  });

  it('refuses reveal() after dispose() with a SecretError', () => {
    const secret = make();
    secret.dispose();
    secret.dispose();
    expect(() => secret.reveal()).toThrow(SecretError);
    expect(() => secret.reveal()).toThrowErrorMatchingInlineSnapshot(
      `[SecretError: The secret env:PG_PASSWORD was disposed before it was read.]`,
    );
  });

  it('wipes itself at the end of a using block', () => {
    let bytes: Buffer;
    {
      using secret = make();
      bytes = secret.reveal();
    }
    expect(bytes.every((byte) => byte === 0)).toBe(true);
  });
});
