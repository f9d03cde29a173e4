import { createHash } from 'node:crypto';
import { ConfigError } from '@datakit/errors';

const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * True when the string is a content digest in the OCI grammar (`algorithm:encoded`); for
 * `sha256` and `sha512` the encoded part must also be lowercase hex of the right length.
 */
export function isDigest(value: string): boolean {
  const match = DIGEST.exec(value);
  if (!match) return false;
  const [, algorithm = '', encoded = ''] = match;
  const length = ENCODED_LENGTH[algorithm];
  return length === undefined || (encoded.length === length && /^[a-f0-9]+$/.test(encoded));
}

/**
 * Computes the digest of `bytes` with the algorithm of `expected` and compares the two.
 * Returns the computed digest when they match, or `undefined` when they differ.
 * Throws for an algorithm the client cannot compute (only sha256 and sha512 are registered
 * in the OCI spec).
 */
export function verifyDigest(bytes: Uint8Array, expected: string): string | undefined {
  const algorithm = expected.slice(0, expected.indexOf(':'));
  if (!(algorithm in ENCODED_LENGTH)) {
    throw new ConfigError(
      `Cannot verify digest ${expected}: only sha256 and sha512 are supported.`,
    );
  }
  const computed = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
  return computed === expected ? computed : undefined;
}
