// How `pin`, `outdated` and `plan` show what an upgrade changes in a warehouse's tables.
import { formatContractDiff } from '@datakit/contracts';
import type { UpgradeCheck, UpgradeImpact } from '@datakit/pins';

/** What moving a pin changes in its tables, and the migration to run before deploying it. */
export function renderImpact(impact: UpgradeImpact, label = impact.datakit): string {
  const indent = (text: string) =>
    text
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
  const lines = [
    `${label} ${impact.from} -> ${impact.version}${impact.breaking ? ' (BREAKING)' : ''}`,
    indent(formatContractDiff(impact.diff)),
  ];
  for (const { version, note } of impact.notes) {
    if (note.note !== undefined) lines.push(`  ${version}: ${note.note}`);
  }
  if (impact.breaking || impact.diff.changes.length > 0) {
    lines.push('  migration (run on the warehouse before deploying):', indent(impact.migration));
  }
  return lines.join('\n');
}

/** Each datakit a deploy adds or moves: what changes in its tables and the live check's outcome. */
export function renderUpgradeChecks(checks: readonly UpgradeCheck[]): string {
  return checks
    .map((check) => {
      const head =
        check.impact === undefined
          ? `${check.datakit} ${check.from === undefined ? 'new at' : `${check.from} ->`} ${check.to}`
          : renderImpact(check.impact);
      const live = check.live;
      const tail =
        live.status === 'ok'
          ? `  live target tables: fit (${live.results.reduce((n, r) => n + r.tables.length, 0)} compared)`
          : live.status === 'drift'
            ? `  live target tables: DO NOT FIT\n${live.text.replace(/^/gm, '    ')}`
            : `  live target tables: not checked: ${live.reason}`;
      return `${head}\n${tail}`;
    })
    .join('\n');
}
