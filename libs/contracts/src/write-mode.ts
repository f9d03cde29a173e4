/**
 * Write modes and the rule of which a table can be loaded with, shared by the datakit
 * definition and its config (the runtime) and by `verify`/`plan`, which read the same facts
 * from an image's spec label. One rule, so that a table without a key is never merged
 * (a merge without a key is a plain insert: every run would add the table again) and a full
 * read is never appended (every run would add every row again).
 */

/** How rows reach a target table. */
export type WriteMode = 'append' | 'replace' | 'merge';

/** Every write mode, in the order messages list them. */
export const WRITE_MODES: readonly WriteMode[] = ['merge', 'append', 'replace'];

/** What decides which modes a table can be loaded with. */
export interface WriteModeFacts {
  /** The target contract's primary key columns (empty: no key). */
  primaryKey: readonly string[];
  /** The source column the load resumes after, or null for a full read every run. */
  cursor: string | null;
}

/**
 * Why `mode` would lose or double rows of a table with these facts, or undefined when it is
 * valid:
 * - `merge` upserts on the primary key: without one it would insert every row again;
 * - `append` inserts what is read: only valid with a cursor, which reads only new rows;
 * - `replace` reads the whole table and swaps it in: always valid (a cursor is not used).
 */
export function writeModeRefusal(mode: WriteMode, facts: WriteModeFacts): string | undefined {
  if (mode === 'merge' && facts.primaryKey.length === 0) {
    return 'merge needs a primary key on the target (without one every run would insert the rows again); declare a key, or use append with a cursor or replace';
  }
  if (mode === 'append' && facts.cursor === null) {
    return 'append needs a cursor (without one every run reads and inserts the whole table again); declare a cursor, or use replace';
  }
  return undefined;
}

/** The modes valid for a table with these facts, in `WRITE_MODES` order. */
export function validWriteModes(facts: WriteModeFacts): WriteMode[] {
  return WRITE_MODES.filter((mode) => writeModeRefusal(mode, facts) === undefined);
}

/**
 * The mode a table gets when its datakit names none: merge on its key; without a key, append
 * with a cursor (only new rows), else replace (the whole table each run).
 */
export function defaultWriteMode(facts: WriteModeFacts): WriteMode {
  if (facts.primaryKey.length > 0) return 'merge';
  return facts.cursor === null ? 'replace' : 'append';
}
