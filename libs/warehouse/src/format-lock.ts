import type { Lock, LockEntry } from './lock-schema.ts';

/**
 * The bytes of datakits.lock.json: fixed key order (`$schema`, `lockVersion`, `warehouse`,
 * `inputsDigest`, `datakits` by name; each entry `requested`, `version`, `reference`,
 * `digest`, `contractHash`), two-space indent, a final newline: the same lock always gives
 * the same bytes, and Prettier leaves them as they are.
 */
export function formatLockJson(lock: Lock): string {
  const datakits: Record<string, LockEntry> = {};
  for (const name of Object.keys(lock.datakits).sort()) {
    const entry = lock.datakits[name]!;
    datakits[name] = {
      requested: entry.requested,
      version: entry.version,
      reference: entry.reference,
      digest: entry.digest,
      contractHash: entry.contractHash,
    };
  }
  const ordered = {
    ...(lock.$schema === undefined ? {} : { $schema: lock.$schema }),
    lockVersion: lock.lockVersion,
    warehouse: lock.warehouse,
    inputsDigest: lock.inputsDigest,
    datakits,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
