import type { DeployPlan } from '@datakit/deploy';

/** A plan as a person reads it: one line per datakit, + ~ - marks, old -> new versions. */
export function renderPlan(plan: DeployPlan): string {
  const lines = [`${plan.warehouse}/${plan.environment} (lock ${plan.lockRevision})`];
  if (plan.empty) return `${lines[0]}: no changes`;
  for (const c of plan.changes) {
    const mark = { add: '+', change: '~', remove: '-', unchanged: ' ' }[c.action];
    const versions =
      c.action === 'add'
        ? `${c.to?.version}`
        : c.action === 'remove'
          ? `${c.from?.version}`
          : c.from?.version === c.to?.version
            ? `${c.to?.version}`
            : `${c.from?.version} -> ${c.to?.version}`;
    lines.push(
      `  ${mark} ${c.datakit.padEnd(24)} ${versions}${c.reasons.length ? `  (${c.reasons.join(', ')})` : ''}`,
    );
  }
  const count = (action: string): number => plan.changes.filter((c) => c.action === action).length;
  lines.push(`${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove`);
  return lines.join('\n');
}
