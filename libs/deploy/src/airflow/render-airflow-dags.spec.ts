import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// Deep import: the typed models' serializer keeps only the fields the API defines.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { Pod } from 'kubernetes-models/v1/Pod';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWarehouse, type Lock } from '@datakit/warehouse';
import { desiredState, type DesiredState } from '../desired-state.ts';
import {
  EXAMPLE_WAREHOUSES,
  SIDECAR_IMAGE,
  exampleState,
  exampleStateWithoutKerberos,
} from '../drivers/kubernetes/_fixture-state.ts';
import { renderManifests } from '../drivers/kubernetes/render.ts';
import { renderAirflowDags, targetTablesOfSpec } from './render-airflow-dags.ts';
import { verifyAirflowDags } from './verify-airflow-dags.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__');
const SIGNATURES = join(FIXTURES, 'provider-signatures.json');
const CHECK = join(import.meta.dirname, 'check_airflow_calls.py');
const ROOT = join(import.meta.dirname, '../../../..');
const TARGETS = JSON.parse(readFileSync(join(FIXTURES, 'target-tables.json'), 'utf8')) as Record<
  string,
  string[]
>;
const ENVIRONMENTS = ['prod', 'local'] as const;
const scratch = mkdtempSync(join(tmpdir(), 'datakit-airflow-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An example warehouse's state; Docker host paths under a fixed folder, not this checkout. */
function stateOf(warehouse: string, environment: string): DesiredState {
  return { ...exampleState(warehouse, environment), dir: `/srv/datakit/warehouses/${warehouse}` };
}

/** Writes a rendered folder to a new scratch folder and returns its path. */
function written(files: Record<string, string>, name: string): string {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface CheckResult {
  problems: string[];
  pods: Record<string, { pod_template: object; image: string }>;
  docker: Record<string, { image: string; mounts: { source: string; type: string }[] }>;
}

function check(dir: string): CheckResult {
  const run = spawnSync('python3', [CHECK, dir, SIGNATURES], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as CheckResult;
}

const digestsIn = (text: string) => new Set(text.match(/sha256:[0-9a-f]{64}/g));

describe.each(EXAMPLE_WAREHOUSES.flatMap((w) => ENVIRONMENTS.map((e) => [w, e] as const)))(
  'the Airflow DAG folder of %s, environment %s',
  (warehouse, environment) => {
    const folder = renderAirflowDags(stateOf(warehouse, environment), { targetTables: TARGETS });
    const dagFile = Object.keys(folder.files).find(
      (f) => f.startsWith('datakit_') && f.endsWith('.py'),
    )!;
    const dir = written(folder.files, `${warehouse}-${environment}`);

    it('matches the golden DAG file (DATAKIT_UPDATE_GOLDEN=1 rewrites it)', () => {
      const golden = join(FIXTURES, warehouse, dagFile);
      if (process.env.DATAKIT_UPDATE_GOLDEN === '1') {
        mkdirSync(dirname(golden), { recursive: true });
        writeFileSync(golden, folder.files[dagFile]!);
      }
      expect(existsSync(golden), `${golden} is missing; run with DATAKIT_UPDATE_GOLDEN=1`).toBe(
        true,
      );
      expect(folder.files[dagFile]).toBe(readFileSync(golden, 'utf8'));
    });

    it('compiles with python3 -m py_compile', () => {
      const files = Object.keys(folder.files).filter((f) => f.endsWith('.py'));
      expect(files).toHaveLength(2);
      // Throws (and fails the test) on a syntax error, with Python's message.
      execFileSync('python3', ['-m', 'py_compile', ...files.map((f) => join(dir, f))]);
    });

    it("gives each constructor only keyword arguments its provider's signature accepts", () => {
      expect(check(dir).problems).toEqual([]);
    });

    it('gives pods that validate against the Kubernetes API schemas, sidecar and images by digest', () => {
      const { pods } = check(dir);
      expect(Object.keys(pods).length).toBe(
        environment === 'prod' ? folder.dags.flatMap((d) => d.tasks).length : 0,
      );
      for (const { pod_template: pod } of Object.values(pods)) {
        expect(() => new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate()).not.toThrow();
        // No field the API does not define (the schemas allow unknown fields; this does not).
        expect(JSON.parse(JSON.stringify(ObjectSerializer.serialize(pod, 'V1Pod', '')))).toEqual(
          pod,
        );
        const spec = (
          pod as {
            spec: {
              initContainers: { restartPolicy: string; image: string }[];
              containers: { name: string; image: string }[];
            };
          }
        ).spec;
        expect(spec.initContainers[0]!.restartPolicy).toBe('Always');
        expect(spec.containers.map((c) => c.name)).toEqual(['base']);
        for (const c of [...spec.initContainers, ...spec.containers])
          expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      }
    });

    it('runs Docker tasks by digest next to the sidecar, sharing its ticket-cache volume', () => {
      const { docker } = check(dir);
      if (environment !== 'local') return expect(docker).toEqual({});
      expect(Object.keys(docker).length).toBeGreaterThan(0);
      for (const task of Object.values(docker)) {
        expect(task.image).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(task.mounts).toContainEqual(
          expect.objectContaining({ source: `datakit-${warehouse}-local-krb5`, type: 'volume' }),
        );
      }
    });

    it('names exactly the digests of its lock (and the sidecar image)', () => {
      const lockDigests = exampleState(warehouse, environment).jobs.map((j) => j.digest);
      const sidecar = environment === 'prod' ? [SIDECAR_IMAGE.split('@')[1]!] : [];
      expect([...digestsIn(folder.files[dagFile]!)].sort()).toEqual(
        [...new Set([...lockDigests, ...sidecar])].sort(),
      );
    });

    it('passes its own verification', () => {
      expect(verifyAirflowDags(stateOf(warehouse, environment), dir)).toEqual({
        ok: true,
        dir,
        problems: [],
      });
    });
  },
);

describe('the signature check', () => {
  it('reports a keyword argument the provider does not accept, and a missing dict key', () => {
    const folder = renderAirflowDags(stateOf('analytics', 'prod'));
    const pkg = 'datakit_airflow/__init__.py';
    const files = {
      ...folder.files,
      [pkg]: folder.files[pkg]!.replace(
        'get_logs=True,',
        'get_logs=True,\n                pod_template_json=None,',
      ),
      'datakit_analytics_prod.py': folder.files['datakit_analytics_prod.py']!.replace(
        '"startup_timeout_seconds": 300,',
        '',
      ),
    };
    expect(check(written(files, 'bad-kwarg')).problems).toEqual([
      expect.stringMatching(
        /^datakit_airflow line \d+ \(KubernetesPodOperator\): keyword pod_template_json= is not accepted$/,
      ),
      expect.stringMatching(
        /^datakit_analytics_prod.py line \d+ \(DatakitOperator.create\): kubernetes= lacks the key 'startup_timeout_seconds' the package reads$/,
      ),
    ]);
  });
});

describe('the tasks, run with stand-ins for Airflow and its providers', () => {
  const policy = { 0: 'ok', 1: 'retry', 2: 'fail', 3: 'fail', 4: 'fail', 5: 'retry' };
  it.each(ENVIRONMENTS)(
    'fail without retry on exit codes 2, 3 and 4 and retry on 1 and 5 (%s)',
    (environment) => {
      const dir = written(
        renderAirflowDags(stateOf('marketing', environment)).files,
        `stubs-${environment}`,
      );
      const run = spawnSync(
        'python3',
        [join(import.meta.dirname, 'run_with_airflow_stubs.py'), dir, SIGNATURES],
        {
          encoding: 'utf8',
        },
      );
      expect(run.stderr).toBe('');
      const operator = environment === 'prod' ? 'KubernetesPodOperator' : 'DockerOperator';
      expect(JSON.parse(run.stdout)).toEqual({
        [`${operator}:hello`]: {
          operator,
          retries: 2,
          outlets: [`datakit://marketing/${environment}/hello`],
          exit: policy,
        },
        [`${operator}:pagila-bronze`]: {
          operator,
          retries: 2,
          outlets: [`datakit://marketing/${environment}/pagila-bronze`],
          exit: policy,
        },
      });
    },
  );
});

// Opt-in: runs only where the configured Python (DATAKIT_AIRFLOW_PYTHON, default python3) can
// import airflow with the providers. Not run here: Airflow cannot be installed on this machine.
const airflowPython = process.env.DATAKIT_AIRFLOW_PYTHON ?? 'python3';
const hasAirflow = spawnSync(airflowPython, ['-c', 'import airflow']).status === 0;

describe.skipIf(!hasAirflow)('the DAG folder in a real Airflow (opt-in)', () => {
  it.each(EXAMPLE_WAREHOUSES)('of %s parses into its DAGs without import errors', (warehouse) => {
    const folder = renderAirflowDags(stateOf(warehouse, 'prod'));
    const dir = written(folder.files, `real-${warehouse}`);
    const script = [
      'import json, sys',
      'from airflow.models.dagbag import DagBag',
      'bag = DagBag(dag_folder=sys.argv[1], include_examples=False)',
      'print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": sorted(bag.dag_ids)}))',
    ].join('\n');
    const run = spawnSync(airflowPython, ['-c', script, dir], { encoding: 'utf8' });
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      errors: object;
      dags: string[];
    };
    expect(result.errors).toEqual({});
    expect(result.dags).toEqual(folder.dags.map((d) => d.dagId).sort());
  });
});

describe('the DAG folder rendered from the committed locks of warehouses/', () => {
  it.each(EXAMPLE_WAREHOUSES)('names exactly the digests of %s/datakits.lock.json', (warehouse) => {
    const loaded = loadWarehouse(join(ROOT, 'warehouses', warehouse));
    const state = desiredState(loaded, 'local', SIDECAR_IMAGE);
    const folder = renderAirflowDags(state);
    const dag = Object.entries(folder.files).find(([f]) => f.startsWith('datakit_'))![1];
    const locked = Object.values(loaded.lock!.datakits).map((e) => e.digest);
    expect([...digestsIn(dag)].sort()).toEqual([...new Set(locked)].sort());
  });
});

describe('renderAirflowDags', () => {
  it('renders the same bytes twice for the same state', () => {
    expect(renderAirflowDags(stateOf('marketing', 'prod'))).toEqual(
      renderAirflowDags(stateOf('marketing', 'prod')),
    );
  });

  it('changes only the lines of a re-pinned datakit (and the lock revision) when a pin moves', () => {
    const before = stateOf('marketing', 'prod');
    const lockFile = join(
      ROOT,
      'libs/deploy/src/drivers/kubernetes/__fixtures__/marketing/datakits.lock.json',
    );
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Lock;
    const digest = `sha256:${'ab'.repeat(32)}`;
    const moved: Lock = {
      ...lock,
      datakits: {
        ...lock.datakits,
        'pagila-bronze': { ...lock.datakits['pagila-bronze']!, version: '1.0.4', digest },
      },
    };
    const loaded = loadWarehouse(join(ROOT, 'warehouses/marketing'));
    const after = {
      ...desiredState(loaded, 'prod', SIDECAR_IMAGE, { lock: moved }),
      dir: before.dir,
    };
    const file = 'datakit_marketing_prod.py';
    const [a, b] = [
      renderAirflowDags(before).files[file]!,
      renderAirflowDags(after).files[file]!,
    ].map((t) => t.split('\n'));
    expect(a!.length).toBe(b!.length);
    const changed = b!.filter((line, i) => line !== a![i]);
    expect(changed.length).toBeGreaterThan(0);
    for (const line of changed) {
      const ok =
        line.includes(digest) ||
        line.includes(digest.slice(7, 70)) ||
        line.includes('1.0.4') ||
        line.includes(after.lockRevision);
      expect(ok, line).toBe(true);
    }
    // hello's task is untouched: every changed line belongs to pagila-bronze.
    expect(changed.filter((l) => l.includes('hello'))).toEqual([]);
  });

  it('puts the pins sharing the first schedule in one DAG and gives others their own', () => {
    expect(
      renderAirflowDags(stateOf('marketing', 'prod')).dags.map((d) => [
        d.dagId,
        d.schedule,
        d.tasks.map((t) => t.taskId),
      ]),
    ).toEqual([
      ['datakit_marketing_prod', '0 5 * * 1-5', ['pagila-bronze']],
      ['datakit_marketing_prod_hello', undefined, ['hello']],
    ]);
  });

  it('declares the datakit and its target tables as assets', () => {
    const [task] = renderAirflowDags(stateOf('analytics', 'prod'), {
      targetTables: { 'pagila-bronze': ['bronze.actor'] },
    }).dags[0]!.tasks;
    expect(task!.outlets).toEqual([
      'datakit://analytics/prod/pagila-bronze',
      'postgres://pg-prod.corp.example:5432/warehouse/bronze/actor',
    ]);
  });

  it("declares a target table in the schema the pin writes to (the target connection's schema)", () => {
    const [task] = renderAirflowDags(stateOf('marketing', 'prod'), {
      targetTables: { 'pagila-bronze': ['bronze.actor'] },
    }).dags[0]!.tasks;
    expect(task!.outlets).toContain(
      'postgres://pg-prod.corp.example:5432/warehouse/marketing/actor',
    );
  });

  it("reads the target tables from a spec label's transforms", () => {
    const spec = JSON.stringify({
      transforms: [
        { source: 'public.a', target: 'bronze.b' },
        { source: 'public.c', target: 'bronze.a' },
      ],
    });
    expect(targetTablesOfSpec(spec)).toEqual(['bronze.a', 'bronze.b']);
    expect(targetTablesOfSpec('not json')).toEqual([]);
  });
});

describe('an environment scheduled by Airflow', () => {
  const airflow = (state: DesiredState): DesiredState => ({
    ...state,
    environment: { ...state.environment, scheduler: 'airflow' },
  });

  it('gets no CronJobs from render and deploy, only the ConfigMaps its pods mount', () => {
    const manifests = renderManifests(airflow(stateOf('marketing', 'prod')));
    expect(manifests.map((m) => `${m.kind}/${m.metadata!.name}`)).toEqual([
      'ConfigMap/marketing-hello-config',
      'ConfigMap/marketing-pagila-bronze-config',
    ]);
    expect(Object.keys(manifests[1]!.metadata!.annotations!)).toEqual([
      'dev.datakit/schedule',
      'dev.datakit/spec-hash',
    ]);
  });

  it('renders the same DAGs as with CronJobs (the scheduler does not change the pod)', () => {
    expect(renderAirflowDags(airflow(stateOf('finance', 'prod'))).files).toEqual(
      renderAirflowDags(stateOf('finance', 'prod')).files,
    );
  });
});

describe('verifyAirflowDags', () => {
  const state = stateOf('marketing', 'prod');
  const folder = renderAirflowDags(state);
  const file = 'datakit_marketing_prod.py';

  it('names a digest the lock does not pin and the locked one that is missing', () => {
    const job = state.jobs.find((j) => j.datakit === 'pagila-bronze')!;
    const other = `sha256:${'cd'.repeat(32)}`;
    const dir = written(
      { ...folder.files, [file]: folder.files[file]!.replaceAll(job.digest, other) },
      'moved-digest',
    );
    expect(verifyAirflowDags(state, dir).problems).toEqual([
      `${file} runs ${other}, which the lock does not pin`,
      `${file} does not run the locked ${job.digest}`,
    ]);
  });

  it('names a missing DAG file and a missing task', () => {
    const { [file]: _dag, ...rest } = folder.files;
    expect(verifyAirflowDags(state, written(rest, 'no-dag')).problems).toEqual([
      `${file} is missing`,
    ]);
    const one = { ...state, jobs: state.jobs.filter((j) => j.datakit === 'pagila-bronze') };
    const dir = written(renderAirflowDags(one).files, 'one-task');
    expect(verifyAirflowDags(state, dir).problems).toContain(`${file} has no task hello`);
  });

  it('ignores table assets, which come from the registry rather than the lock', () => {
    const dir = written(renderAirflowDags(state, { targetTables: TARGETS }).files, 'tables');
    expect(verifyAirflowDags(state, dir).ok).toBe(true);
  });
});

describe('the DAGs of a warehouse without a kerberos block', () => {
  const render = (environment: string) =>
    renderAirflowDags({
      ...exampleStateWithoutKerberos('analytics', environment),
      dir: '/srv/datakit/warehouses/analytics',
    }).files;

  it('run the pod without the Kerberos sidecar and its ticket cache (Kubernetes)', () => {
    const file = render('prod')['datakit_analytics_prod.py']!;
    expect(file).not.toContain('kerberos-sidecar');
    expect(file).not.toContain('krb5');
    expect(check(written(render('prod'), 'no-kerberos-prod')).problems).toEqual([]);
  });

  it('run the container without the ticket-cache volume and KRB5CCNAME (Docker)', () => {
    const files = render('local');
    const file = files['datakit_analytics_local.py']!;
    expect(file).not.toContain('KRB5CCNAME');
    expect(file).not.toContain('"type": "volume"');
    const result = check(written(files, 'no-kerberos-local'));
    expect(result.problems).toEqual([]);
    const types = Object.values(result.docker).flatMap((d) => d.mounts.map((m) => m.type));
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['bind']));
  });
});
