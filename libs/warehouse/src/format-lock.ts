import { lockSchema, type Lock } from './lock-schema.ts';

/**
 * The bytes of datakits.lock.json: keys in the order of the lock schema (parsing writes them
 * so), datakits by name, two-space indent, a final newline: the same lock always gives the
 * same bytes, and Prettier leaves them as they are.
 */
export function formatLockJson(lock: Lock): string {
  const datakits = Object.fromEntries(
    Object.keys(lock.datakits)
      .sort()
      .map((name) => [name, lock.datakits[name]]),
  );
  return `${JSON.stringify(lockSchema.parse({ ...lock, datakits }), null, 2)}\n`;
}
