import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';
import { isDigest, sha256Digest, verifyDigest } from './digest.ts';

const HELLO = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

describe('digests', () => {
  it('hashes bytes to sha256:<hex>', () => {
    expect(sha256Digest(Buffer.from('hello'))).toBe(HELLO);
  });

  it('verifies matching bytes and returns the digest', () => {
    expect(verifyDigest(Buffer.from('hello'), HELLO)).toBe(HELLO);
  });

  it('returns undefined when the bytes do not match', () => {
    expect(verifyDigest(Buffer.from('hello!'), HELLO)).toBeUndefined();
  });

  it('verifies sha512 digests too', () => {
    const digest = `sha512:${'0'.repeat(128)}`;
    expect(verifyDigest(Buffer.from('x'), digest)).toBeUndefined();
  });

  it('refuses to verify an algorithm it cannot compute', () => {
    expect(() => verifyDigest(Buffer.from('x'), 'md5:abc')).toThrow(ConfigError);
  });

  it('recognises well-formed digests only', () => {
    expect(isDigest(HELLO)).toBe(true);
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(isDigest('1.0.0')).toBe(false);
    expect(isDigest('multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8')).toBe(true);
  });
});
