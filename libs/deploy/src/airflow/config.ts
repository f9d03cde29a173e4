import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Python package every rendered DAG folder holds, beside its DAG files. */
export const MODULE_DIR = 'datakit_airflow';

/** The source of the package (`datakit_airflow/__init__.py`), kept as a real Python file here. */
export const MODULE_SOURCE_FILE = join(import.meta.dirname, MODULE_DIR, '__init__.py');

/** The package's source and its `__version__`, which each DAG file requires. */
export function moduleSource(): { source: string; version: string } {
  const source = readFileSync(MODULE_SOURCE_FILE, 'utf8');
  const version = /^__version__ = "([^"]+)"$/m.exec(source)?.[1];
  if (version === undefined) throw new Error(`${MODULE_SOURCE_FILE} has no __version__ line`);
  return { source, version };
}

/** The file that keeps Airflow's DAG processor out of the package (glob and regexp syntax). */
export const AIRFLOWIGNORE = '.airflowignore';

/** The container of the datakit in the pod: KubernetesPodOperator's default `base`. */
export const BASE_CONTAINER = 'base';

/** Task settings every rendered task gets (the CronJob's limits, in Airflow's words). */
export const TASK_LIMITS = {
  /** Tries after the first for exit codes 1 and 5 (the Job's backoffLimit). */
  retries: 2,
  retryDelaySeconds: 300,
  /** A run that takes longer than six hours is killed (the Job's activeDeadlineSeconds). */
  executionTimeoutSeconds: 6 * 3600,
  /** Image pull plus the sidecar's first ticket (its startup probe allows 120 s). */
  podStartupTimeoutSeconds: 300,
} as const;

/** The DAGs' start date: fixed, so rendering is deterministic; `catchup=False` skips the past. */
export const START_DATE = { year: 2024, month: 1, day: 1 } as const;

/** The DAG file of a warehouse environment: `datakit_<warehouse>_<env>.py`. */
export function dagFileName(warehouse: string, environment: string): string {
  return `datakit_${warehouse}_${environment}.py`.replaceAll('-', '_');
}

/** The id of a warehouse environment's DAG: `datakit_<warehouse>_<env>`. */
export function dagIdOf(warehouse: string, environment: string, datakit?: string): string {
  return [`datakit_${warehouse}_${environment}`, ...(datakit === undefined ? [] : [datakit])].join(
    '_',
  );
}

/** The asset (dataset) every run of a pin updates, whatever its tables. */
export function datakitAssetUri(warehouse: string, environment: string, datakit: string): string {
  return `datakit://${warehouse}/${environment}/${datakit}`;
}
