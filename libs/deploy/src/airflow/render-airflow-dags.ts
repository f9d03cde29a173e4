import { ConfigError } from '@datakit/errors';
import { DEPLOY_LABELS, type DesiredJob, type DesiredState } from '../desired-state.ts';
import { hostPaths, jobSpec } from '../drivers/docker/config.ts';
import { CONTAINERS, renderPodTemplate } from '../drivers/kubernetes/render.ts';
import { PythonExpression, pythonKeywords } from './_python-literal.ts';
import {
  AIRFLOWIGNORE,
  BASE_CONTAINER,
  MODULE_DIR,
  START_DATE,
  TASK_LIMITS,
  dagFileName,
  dagIdOf,
  datakitAssetUri,
  moduleSource,
} from './config.ts';

/** Options of {@link renderAirflowDags}. */
export interface RenderAirflowOptions {
  /**
   * The target tables (`schema.table`) of each pinned datakit, from its image's spec label
   * ({@link targetTablesOfSpec}); each becomes an asset of its task. A datakit missing here gets
   * only its datakit asset (`datakit://<warehouse>/<env>/<datakit>`).
   */
  targetTables?: Record<string, readonly string[]>;
}

/** One task of a rendered DAG: one pinned datakit. */
export interface AirflowTask {
  taskId: string;
  datakit: string;
  version: string;
  digest: string;
  image: string;
  /** Asset URIs the task updates. */
  outlets: string[];
}

/** One rendered DAG: the pins of a warehouse environment that share a schedule. */
export interface AirflowDag {
  dagId: string;
  /** Cron schedule, or undefined: triggered by hand. */
  schedule: string | undefined;
  tasks: AirflowTask[];
}

/** A rendered DAG folder: its files by path (relative, `/`-separated, sorted) and its DAGs. */
export interface AirflowDagFolder {
  warehouse: string;
  environment: string;
  lockRevision: string;
  moduleVersion: string;
  files: Record<string, string>;
  dags: AirflowDag[];
}

/**
 * The Airflow DAG folder of one warehouse environment, from its desired state (warehouse.yaml
 * and the lock): the `datakit_airflow` package, `.airflowignore` and one DAG file. The pins that
 * share the schedule of the first scheduled pin (in name order) make the DAG
 * `datakit_<warehouse>_<env>`, one task per pin; a pin on another schedule, or on none, gets its
 * own DAG `datakit_<warehouse>_<env>_<datakit>`. Kubernetes tasks run the pod of
 * {@link renderPodTemplate}; Docker tasks the container of the Docker driver's job. Same state in,
 * same bytes out.
 *
 * @throws ConfigError when a secret reference cannot be mounted (Kubernetes) or the environment's
 *   settings are incomplete.
 */
export function renderAirflowDags(
  state: DesiredState,
  options: RenderAirflowOptions = {},
): AirflowDagFolder {
  const { source, version } = moduleSource();
  const dags = groupDags(state).map((group): AirflowDag => ({
    dagId: group.dagId,
    schedule: group.schedule,
    tasks: group.jobs.map((job) => ({
      taskId: job.datakit,
      datakit: job.datakit,
      version: job.version,
      digest: job.digest,
      image: job.image,
      outlets: outletsOf(state, job, options.targetTables?.[job.datakit]),
    })),
  }));
  const dagFile = renderDagFile(state, dags, version);
  return {
    warehouse: state.warehouse,
    environment: state.environmentName,
    lockRevision: state.lockRevision,
    moduleVersion: version,
    files: {
      [AIRFLOWIGNORE]: `${MODULE_DIR}/\n`,
      [dagFileName(state.warehouse, state.environmentName)]: dagFile,
      [`${MODULE_DIR}/__init__.py`]: source,
    },
    dags,
  };
}

/**
 * The target tables (`schema.table`) a datakit's spec (the `dev.datakit.spec` label of its
 * image) names in its transforms; empty when the text is not such a spec.
 */
export function targetTablesOfSpec(spec: string): string[] {
  try {
    const parsed = JSON.parse(spec) as { transforms?: { target?: unknown }[] };
    const targets = (Array.isArray(parsed.transforms) ? parsed.transforms : [])
      .map((t) => t.target)
      .filter((t): t is string => typeof t === 'string');
    return [...new Set(targets)].sort();
  } catch {
    return [];
  }
}

interface DagGroup {
  dagId: string;
  schedule: string | undefined;
  jobs: DesiredJob[];
}

function groupDags(state: DesiredState): DagGroup[] {
  const main = state.jobs.find((job) => job.schedule !== undefined)?.schedule;
  const groups: DagGroup[] = [];
  const shared = state.jobs.filter((job) => main !== undefined && job.schedule === main);
  if (shared.length > 0) {
    groups.push({
      dagId: dagIdOf(state.warehouse, state.environmentName),
      schedule: main,
      jobs: shared,
    });
  }
  for (const job of state.jobs.filter((j) => !shared.includes(j))) {
    groups.push({
      dagId: dagIdOf(state.warehouse, state.environmentName, job.datakit),
      schedule: job.schedule,
      jobs: [job],
    });
  }
  return groups;
}

function outletsOf(
  state: DesiredState,
  job: DesiredJob,
  tables: readonly string[] | undefined,
): string[] {
  const target = job.config.target;
  const scheme = target.kind === 'postgres' ? 'postgres' : 'mssql';
  const tableUris = [...new Set(tables ?? [])].sort().map((table) => {
    const fallback = target.kind === 'postgres' ? 'public' : 'dbo';
    const [own, name] = table.includes('.') ? table.split('.', 2) : [fallback, table];
    // The pin's target schema, where it sets one, is where the table is written.
    const schema = job.config.targetSchema ?? own;
    return `${scheme}://${target.host}:${target.port}/${target.database}/${schema}/${name}`;
  });
  return [datakitAssetUri(state.warehouse, state.environmentName, job.datakit), ...tableUris];
}

function renderDagFile(state: DesiredState, dags: AirflowDag[], version: string): string {
  const env = state.environment;
  const header = [
    `# Rendered by \`datakit render ${state.warehouse} --env ${state.environmentName} --format airflow\`; do not edit.`,
    `# Warehouse ${state.warehouse}, environment ${state.environmentName} (${env.driver}), lock revision ${state.lockRevision}.`,
    `"""The pinned datakits of the ${state.warehouse} warehouse (environment ${state.environmentName}) as Airflow DAGs."""`,
    '',
    'from __future__ import annotations',
    '',
    'import datetime',
    '',
    'from datakit_airflow import DAG, Asset, DatakitOperator, require_version',
    '',
    `require_version(${JSON.stringify(version)})`,
    '',
    `START_DATE = datetime.datetime(${START_DATE.year}, ${START_DATE.month}, ${START_DATE.day}, tzinfo=datetime.timezone.utc)`,
  ].join('\n');
  const blocks = dags.map((dag) => renderDag(state, dag));
  return `${header}\n${blocks.map((b) => `\n\n${b}`).join('')}`;
}

function renderDag(state: DesiredState, dag: AirflowDag): string {
  const byName = new Map(state.jobs.map((job) => [job.datakit, job]));
  const dagArgs = pythonKeywords(
    {
      dag_id: dag.dagId,
      schedule: dag.schedule ?? null,
      start_date: new PythonExpression('START_DATE'),
      catchup: false,
      // One run at a time, as the CronJobs' concurrencyPolicy: Forbid.
      max_active_runs: 1,
      tags: ['datakit', state.warehouse, state.environmentName],
      doc_md: `datakit pins of the ${state.warehouse} warehouse, environment ${state.environmentName}; rendered from its lock by \`datakit render --format airflow\`.`,
    },
    0,
  );
  const tasks = dag.tasks.map((task) => {
    const job = byName.get(task.datakit)!;
    const args = pythonKeywords(
      {
        task_id: task.taskId,
        datakit: task.datakit,
        version: task.version,
        digest: task.digest,
        outlets: task.outlets.map(
          (uri) => new PythonExpression(`Asset(uri=${JSON.stringify(uri)})`),
        ),
        ...runnerOf(state, job),
        retries: TASK_LIMITS.retries,
        retry_delay_seconds: TASK_LIMITS.retryDelaySeconds,
        execution_timeout_seconds: TASK_LIMITS.executionTimeoutSeconds,
      },
      1,
    );
    return `    DatakitOperator.create(\n${args}    )\n`;
  });
  const variable = dag.dagId.replaceAll('-', '_');
  return `with DAG(\n${dagArgs}) as ${variable}:\n${tasks.join('')}`;
}

/** `kubernetes={…}` or `docker={…}`: where and how the task's datakit runs. */
function runnerOf(state: DesiredState, job: DesiredJob): Record<string, unknown> {
  const env = state.environment;
  switch (env.driver) {
    case 'kubernetes':
      return {
        kubernetes: {
          namespace: env.namespace,
          name: `${state.warehouse}-${job.datakit}`,
          image: job.image,
          startup_timeout_seconds: TASK_LIMITS.podStartupTimeoutSeconds,
          pod_template: podTemplateOf(state, job),
        },
      };
    case 'docker':
      return { docker: dockerRunOf(state, job) };
    default: {
      const never: never = env;
      throw new ConfigError(`Unknown driver in ${JSON.stringify(never)}.`);
    }
  }
}

/**
 * The pod a KubernetesPodOperator gets as `pod_template_dict`: the CronJob's pod, its datakit
 * container named `base` (the container KubernetesPodOperator follows), without the lock
 * revision label (which moves when any other pin changes).
 */
export function podTemplateOf(state: DesiredState, job: DesiredJob): Record<string, unknown> {
  const { labels, spec } = renderPodTemplate(state, job.datakit);
  const { [DEPLOY_LABELS.lockRevision]: _revision, ...stable } = labels;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: stable },
    spec: {
      ...spec,
      containers: spec.containers.map((c) =>
        c.name === CONTAINERS.datakit ? { ...c, name: BASE_CONTAINER } : c,
      ),
    },
  };
}

/** The DockerOperator's settings: the Docker driver's job container, run by Airflow. */
function dockerRunOf(state: DesiredState, job: DesiredJob): Record<string, unknown> {
  const env = state.environment;
  const spec = jobSpec(state, job, hostPaths(state));
  return {
    image: spec.image,
    command: spec.cmd ?? [],
    environment: Object.fromEntries(
      Object.entries(spec.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    // Host files first (config, secrets, krb5.conf), then the ticket-cache volume.
    mounts: [
      ...(spec.mounts ?? []).map((m) => ({
        source: m.source,
        target: m.target,
        type: 'bind',
        read_only: m.readOnly,
      })),
      ...(spec.binds ?? []).map(mountOf),
    ],
    network_mode: spec.networkMode ?? null,
    docker_url: env.driver === 'docker' ? (env.dockerHost ?? null) : null,
  };
}

/** A Docker bind (`source:target[:ro]`) as a docker.types.Mount's fields. */
function mountOf(bind: string): Record<string, unknown> {
  const parts = bind.split(':');
  const readOnly = parts.at(-1) === 'ro';
  const [source, target] = readOnly
    ? [parts.slice(0, -2).join(':'), parts.at(-2)]
    : [parts.slice(0, -1).join(':'), parts.at(-1)];
  return {
    source,
    target,
    // A host path is a bind; a name is the named volume (the sidecar's ticket cache).
    type: source.startsWith('/') ? 'bind' : 'volume',
    read_only: readOnly,
  };
}
