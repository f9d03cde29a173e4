import type { DriftChange, DriftResult } from './compare-schema.ts';

const LABELS: Record<DriftChange['kind'], string> = {
  'missing-table': 'table missing',
  'missing-column': 'column missing',
  'extra-column': 'extra column',
  type: 'type changed',
  nullability: 'nullability changed',
  'primary-key': 'primary key changed',
};

/**
 * A readable diff of a drift result: one line per change naming table, column, expected and
 * found, breaking changes marked with `!`, accepted ones with `~` and what the loader does.
 * `breakingOnly` lists only the breaking lines; the header counts every change either way.
 * Returns `No drift ...` when there is nothing to report.
 */
export function formatDrift(result: DriftResult, options: { breakingOnly?: boolean } = {}): string {
  const all = result.tables.flatMap((t) => t.changes);
  const changes = all.filter((c) => !options.breakingOnly || c.breaking);
  if (changes.length === 0) return `No drift in the ${result.side} schema ${result.schema}.`;
  const accepted = all.filter((c) => !c.breaking).length;
  const header =
    `Schema drift in the ${result.side} schema ${result.schema}: ` +
    `${all.length - accepted} breaking, ${accepted} accepted` +
    (options.breakingOnly === true && accepted > 0 ? ' (not listed).' : '.');
  return [header, ...changes.map(formatChange)].join('\n');
}

/** The accepted (non-breaking) changes of the results, one line each ('~ …'), for the run's log. */
export function acceptedDriftLines(results: readonly DriftResult[]): string[] {
  return results.flatMap((r) =>
    r.tables.flatMap((t) =>
      t.changes.filter((c) => !c.breaking).map((c) => formatChange(c).trim()),
    ),
  );
}

/** One line of the diff. */
export function formatChange(change: DriftChange): string {
  const where = change.column === undefined ? change.table : `${change.table}.${change.column}`;
  const mark = change.breaking ? '!' : '~';
  const action = change.action === undefined ? '' : ` (${change.action})`;
  return `  ${mark} ${where}: ${LABELS[change.kind]}: expected ${change.expected}, found ${change.found}${action}`;
}
