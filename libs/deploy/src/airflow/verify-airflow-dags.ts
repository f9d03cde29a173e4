import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DesiredState } from '../desired-state.ts';
import { renderAirflowDags, type RenderAirflowOptions } from './render-airflow-dags.ts';

/** What {@link verifyAirflowDags} found. */
export interface AirflowDagsCheckResult {
  /** True when the folder holds exactly what `render --format airflow` gives for the lock. */
  ok: boolean;
  dir: string;
  /** One line per problem: a missing file, a digest or task that is not the lock's. */
  problems: string[];
}

const DIGEST = /sha256:[0-9a-f]{64}/g;
const TASK_ID = /^\s*task_id="([^"]+)",$/gm;
const REVISION = /lock revision ([0-9a-f]+)\./;
// Table assets come from the images' spec labels (`--table-assets`); the check is about the lock.
const TABLE_ASSET = /^\s*Asset\(uri="(?:postgres|mssql):\/\/[^"]*"\),\n/gm;

/**
 * Checks that a rendered Airflow DAG folder matches the lock of one warehouse environment: the
 * `datakit_airflow` package is the one this datakit renders, and the environment's DAG file is
 * byte for byte what rendering gives now (table assets aside), so its tasks run exactly the
 * locked digests. Each difference is named: a digest the lock does not have, a locked digest
 * missing, a task added or missing, another lock revision.
 */
export function verifyAirflowDags(
  state: DesiredState,
  dir: string,
  options: RenderAirflowOptions = {},
): AirflowDagsCheckResult {
  const expected = renderAirflowDags(state, options);
  const problems: string[] = [];
  for (const [path, want] of Object.entries(expected.files)) {
    const file = join(dir, path);
    if (!existsSync(file)) {
      problems.push(`${path} is missing`);
      continue;
    }
    const have = readFileSync(file, 'utf8');
    if (have.replace(TABLE_ASSET, '') === want.replace(TABLE_ASSET, '')) continue;
    if (!path.endsWith('.py') || path.includes('/')) {
      problems.push(`${path} is not the one datakit ${expected.moduleVersion} renders`);
      continue;
    }
    const before = problems.length;
    const [haveDigests, wantDigests] = [setOf(have, DIGEST), setOf(want, DIGEST)];
    for (const digest of haveDigests)
      if (!wantDigests.has(digest))
        problems.push(`${path} runs ${digest}, which the lock does not pin`);
    for (const digest of wantDigests)
      if (!haveDigests.has(digest)) problems.push(`${path} does not run the locked ${digest}`);
    const [haveTasks, wantTasks] = [setOf(have, TASK_ID, 1), setOf(want, TASK_ID, 1)];
    for (const task of haveTasks)
      if (!wantTasks.has(task))
        problems.push(`${path} has task ${task}, which the lock does not pin`);
    for (const task of wantTasks)
      if (!haveTasks.has(task)) problems.push(`${path} has no task ${task}`);
    const haveRevision = REVISION.exec(have)?.[1] ?? 'none';
    if (haveRevision !== expected.lockRevision) {
      problems.push(
        `${path} was rendered from lock revision ${haveRevision}, the lock is ${expected.lockRevision}`,
      );
    }
    if (problems.length === before) {
      problems.push(
        `${path} differs from what the lock and warehouse.yaml render now (schedules, settings or an edit)`,
      );
    }
  }
  return { ok: problems.length === 0, dir, problems };
}

function setOf(text: string, pattern: RegExp, group = 0): Set<string> {
  return new Set([...text.matchAll(pattern)].map((m) => m[group]!));
}
