import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import type { Lock } from '@datakit/warehouse';

/** One deployed revision of a warehouse environment. */
export interface DeployedRevision {
  lockRevision: string;
  deployedAt: string;
  /** The lock that was deployed, whole, so a rollback needs nothing else. */
  lock: Lock;
}

/**
 * The history of what was deployed to one environment, newest last, kept next to the
 * warehouse (`.datakit/<env>/history.json`, git-ignored) so `rollback` can return to the
 * previous lock. A revision equal to the newest is not recorded twice.
 */
export function historyFile(warehouseDir: string, environment: string): string {
  return join(warehouseDir, '.datakit', environment, 'history.json');
}

export function readHistory(warehouseDir: string, environment: string): DeployedRevision[] {
  try {
    return JSON.parse(
      readFileSync(historyFile(warehouseDir, environment), 'utf8'),
    ) as DeployedRevision[];
  } catch {
    return [];
  }
}

export function recordDeploy(
  warehouseDir: string,
  environment: string,
  revision: DeployedRevision,
): void {
  const history = readHistory(warehouseDir, environment);
  if (history.at(-1)?.lockRevision === revision.lockRevision) return;
  history.push(revision);
  const file = historyFile(warehouseDir, environment);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(history.slice(-50), null, 2)}\n`);
}

/**
 * The revision deployed before the current one, or a ConfigError (exit 2) saying there is none:
 * nothing was deployed yet, or only one lock was.
 */
export function previousRevision(warehouseDir: string, environment: string): DeployedRevision {
  const history = readHistory(warehouseDir, environment);
  const previous = history.at(-2);
  if (!previous) {
    throw new ConfigError(
      `${historyFile(warehouseDir, environment)} holds ${history.length} deployed revision${history.length === 1 ? '' : 's'}: there is nothing to roll back to, so nothing was changed.`,
      {
        hint:
          history.length === 0
            ? `Nothing was deployed to environment "${environment}" from this folder yet; deploy first with \`datakit deploy\`.`
            : `Only the lock deployed now is recorded; rollback returns to the lock deployed before it. To run another version, pin it and deploy.`,
      },
    );
  }
  return previous;
}
