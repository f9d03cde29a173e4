/**
 * Write modes and the rule of which a table can be loaded with, shared by the datakit
 * definition and its config (the runtime) and by `verify`/`plan`, which read the same facts
 * from an image's spec label. One rule, so that a table without a key (or a dedup rule) is
 * never merged (a merge without a key is a plain insert: every run would add the table again),
 * a full read is never appended (every run would add every row again), and an append never
 * resumes after a cursor that several rows can share (a row committed later with the saved
 * value would be lost).
 */
import type { AnyTable, Column } from './table.ts';

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
  /**
   * Whether no two source rows can share a cursor value (see {@link cursorIsUnique}); absent:
   * not known to be unique.
   */
  cursorUnique?: boolean;
  /**
   * The target columns a keyless table's rows are told apart by (its dedup rule, see
   * `dedupOn` of a datakit table); absent or empty: none declared.
   */
  dedupOn?: readonly string[];
}

/**
 * Whether no two rows of a source table can share a value of its cursor column: the column is
 * the source's whole primary key, or a SQL Server `rowversion` (unique in the database and
 * increasing). Timestamps are not unique (one transaction's `now()` is every row's).
 */
export function cursorIsUnique(source: AnyTable, cursor: string | null): boolean {
  if (cursor === null) return false;
  const column = (source.columns as Record<string, Column | undefined>)[cursor];
  if (column === undefined) return false;
  if (column.sqlType.toLowerCase() === 'rowversion') return true;
  return source.primaryKey.length === 1 && source.primaryKey[0] === cursor;
}

/**
 * Why `mode` would lose or double rows of a table with these facts, or undefined when it is
 * valid:
 * - `merge` upserts on the primary key (or the dedup rule's columns): without either it would
 *   insert every row again;
 * - `append` inserts what is read: only valid with a cursor, which reads only new rows, and a
 *   unique one: with a shared value, a row committed after a run with the value that run saved
 *   is either lost (read after the value) or its tie rows doubled (read from the value);
 * - `replace` reads the whole table and swaps it in: always valid (a cursor is not used).
 */
export function writeModeRefusal(mode: WriteMode, facts: WriteModeFacts): string | undefined {
  if (mode === 'merge' && facts.primaryKey.length === 0 && (facts.dedupOn ?? []).length === 0) {
    return 'merge needs a primary key on the target or a dedup rule (without either every run would insert the rows again); declare a key or dedupOn, or use append with a unique cursor or replace';
  }
  if (mode === 'append' && facts.cursor === null) {
    return 'append needs a cursor (without one every run reads and inserts the whole table again); declare a cursor, or use replace';
  }
  if (mode === 'append' && facts.cursorUnique !== true) {
    return `append needs a unique cursor (the source's primary key or a rowversion): rows sharing the saved value of ${facts.cursor} would be lost or doubled; use merge (on a key or dedupOn), or replace`;
  }
  return undefined;
}

/** The modes valid for a table with these facts, in `WRITE_MODES` order. */
export function validWriteModes(facts: WriteModeFacts): WriteMode[] {
  return WRITE_MODES.filter((mode) => writeModeRefusal(mode, facts) === undefined);
}

/**
 * The mode a table gets when its datakit names none: merge on its key or dedup rule; without
 * either, append after a unique cursor (only new rows), else replace (the whole table each run).
 */
export function defaultWriteMode(facts: WriteModeFacts): WriteMode {
  if (facts.primaryKey.length > 0 || (facts.dedupOn ?? []).length > 0) return 'merge';
  return facts.cursor !== null && facts.cursorUnique === true ? 'append' : 'replace';
}
