import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, EnvironmentError, exitCodeOf } from '@datakit/errors';
import { DEPLOY_LABELS, type DesiredState } from '../../desired-state.ts';
import {
  ApiServerStandIn,
  STAND_IN_TOKEN,
  type ApiObject,
  parseSelector,
} from './_api-server-stand-in.ts';
import { exampleState } from './_fixture-state.ts';
import { KubernetesClient, KubernetesError, kubeConfigFor } from './client.ts';
import { ANNOTATIONS } from './config.ts';
import { KubernetesDriver } from './kubernetes-driver.ts';
import { renderManifests } from './render.ts';

const NS = '/apis/batch/v1/namespaces/data-analytics';
const CORE = '/api/v1/namespaces/data-analytics';

let api: ApiServerStandIn;
let server: string;
let driver: KubernetesDriver;

beforeEach(async () => {
  api = new ApiServerStandIn();
  server = await api.start();
  driver = new KubernetesDriver({
    namespace: 'data-analytics',
    kubeConfig: kubeConfigFor(server, STAND_IN_TOKEN),
    pollIntervalMs: 1,
  });
});

afterEach(async () => {
  await api.stop();
});

const analytics = () => exampleState('analytics');

/** The labels datakit puts on a warehouse's objects. */
const labelsOf = (warehouse: string, datakit: string, extra: Record<string, string> = {}) => ({
  [DEPLOY_LABELS.managedBy]: 'datakit',
  [DEPLOY_LABELS.warehouse]: warehouse,
  [DEPLOY_LABELS.datakit]: datakit,
  [DEPLOY_LABELS.version]: '0.9.0',
  [DEPLOY_LABELS.digest]: 'ab'.repeat(31) + 'a',
  [DEPLOY_LABELS.lockRevision]: 'old',
  ...extra,
});

/** A CronJob as another deploy (or another tool) left it in the cluster. */
const cronJob = (name: string, labels: Record<string, string> | undefined): ApiObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: {
    name,
    namespace: 'data-analytics',
    ...(labels === undefined ? {} : { labels }),
    annotations: { [ANNOTATIONS.schedule]: '0 1 * * *', [ANNOTATIONS.specHash]: 'x' },
  },
  spec: {
    schedule: '0 1 * * *',
    jobTemplate: {
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'x' }] } },
      },
    },
  },
});

const configMap = (name: string, labels: Record<string, string> | undefined): ApiObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'data-analytics', ...(labels === undefined ? {} : { labels }) },
  data: { 'config.json': '{}' },
});

/** The thrown error, for assertions on class, message and exit code. */
async function failure(promise: Promise<unknown>): Promise<KubernetesError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KubernetesError);
  return error as KubernetesError;
}

/** A message with this run's port replaced, for snapshots. */
const stable = (text: string) => text.replaceAll(server, 'http://127.0.0.1:PORT');

describe('the API server stand-in', () => {
  it('parses label selectors as kube-apiserver does', () => {
    const labels = { a: '1', 'dev.datakit/warehouse': 'analytics' };
    const cases: Array<[string, boolean]> = [
      ['a=1', true],
      ['a==1', true],
      ['a!=1', false],
      ['b!=1', true],
      ['a in (1, 2)', true],
      ['a notin (1,2)', false],
      ['b notin (1)', true],
      ['a', true],
      ['!a', false],
      ['!b', true],
      ['a=1,dev.datakit/warehouse=finance', false],
      ['a in (1,2),dev.datakit/warehouse', true],
    ];
    for (const [selector, expected] of cases) {
      expect(parseSelector(selector)(labels), selector).toBe(expected);
    }
    expect(() => parseSelector('a=1,=x')).toThrow(/unable to parse requirement/);
  });
});

describe('KubernetesDriver.apply', () => {
  it('applies every object with server-side apply as field manager datakit, forced, strictly validated', async () => {
    await driver.apply(analytics());
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.query, r.contentType])).toEqual([
      [
        `${CORE}/configmaps/analytics-pagila-bronze-config`,
        { fieldManager: 'datakit', force: 'true', fieldValidation: 'Strict' },
        'application/apply-patch+yaml',
      ],
      [
        `${NS}/cronjobs/analytics-pagila-bronze`,
        { fieldManager: 'datakit', force: 'true', fieldValidation: 'Strict' },
        'application/apply-patch+yaml',
      ],
    ]);
  });

  it('sends the rendered objects unchanged as the apply bodies', async () => {
    await driver.apply(analytics());
    const bodies = api.requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
    expect(bodies).toEqual(renderManifests(analytics()));
  });

  it('leaves the objects in the cluster, owned by datakit and defaulted by the server', async () => {
    await driver.apply(analytics());
    const stored = api.get('cronjobs', 'data-analytics', 'analytics-pagila-bronze')!;
    const metadata = stored.metadata as { managedFields: Array<Record<string, unknown>> };
    expect(metadata.managedFields.map((m) => [m.manager, m.operation])).toEqual([
      ['datakit', 'Apply'],
    ]);
    const spec = stored.spec as {
      jobTemplate: { spec: { completionMode: string; template: { spec: object } } };
    };
    expect(spec.jobTemplate.spec.completionMode).toBe('NonIndexed');
    expect(spec.jobTemplate.spec.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst' });
    expect(api.names('configmaps')).toEqual(['analytics-pagila-bronze-config']);
  });

  it('plans nothing after an apply, and a second apply changes nothing', async () => {
    const first = await driver.apply(analytics());
    expect(first.applied).toEqual([
      'ConfigMap/analytics-pagila-bronze-config',
      'CronJob/analytics-pagila-bronze',
    ]);
    const versions = () =>
      ['configmaps', 'cronjobs'].map(
        (r) =>
          api.get(
            r as 'cronjobs',
            'data-analytics',
            r === 'cronjobs' ? 'analytics-pagila-bronze' : 'analytics-pagila-bronze-config',
          )!.metadata!.resourceVersion,
      );
    const before = versions();
    expect((await driver.plan(analytics())).empty).toBe(true);
    const second = await driver.apply(analytics());
    expect(second.applied).toEqual([]);
    expect(versions()).toEqual(before);
  });

  it('takes back a field another manager changed', async () => {
    await driver.apply(analytics());
    api.edit('cronjobs', 'data-analytics', 'analytics-pagila-bronze', 'kubectl-edit', {
      spec: { schedule: '0 9 * * *' },
    });
    await driver.apply(analytics());
    const stored = api.get('cronjobs', 'data-analytics', 'analytics-pagila-bronze')!;
    expect((stored.spec as { schedule: string }).schedule).toBe('15 2 * * *');
  });

  it("prunes only this warehouse's objects: another warehouse's and unlabelled ones survive", async () => {
    const old = api.seed(
      'cronjobs',
      cronJob('analytics-old-kit', labelsOf('analytics', 'old-kit')),
    );
    api.seed('configmaps', configMap('analytics-old-kit-config', labelsOf('analytics', 'old-kit')));
    api.seed('cronjobs', cronJob('finance-ledger', labelsOf('finance', 'ledger')));
    api.seed('configmaps', configMap('finance-ledger-config', labelsOf('finance', 'ledger')));
    api.seed('cronjobs', cronJob('analytics-by-hand', undefined));
    api.seed('configmaps', configMap('analytics-by-hand-config', undefined));
    api.seed(
      'cronjobs',
      cronJob('analytics-helm-kit', {
        ...labelsOf('analytics', 'helm-kit'),
        [DEPLOY_LABELS.managedBy]: 'helm',
      }),
    );
    // A Job `datakit run` made from the old CronJob: pruning the CronJob takes it along.
    api.seed('jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'analytics-old-kit-manual',
        labels: labelsOf('analytics', 'old-kit'),
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'analytics-old-kit',
            uid: old.metadata!.uid,
            controller: true,
          },
        ],
      },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'x' }] } },
      },
    });

    const result = await driver.apply(analytics());

    expect(api.names('cronjobs')).toEqual([
      'analytics-by-hand',
      'analytics-helm-kit',
      'analytics-pagila-bronze',
      'finance-ledger',
    ]);
    expect(api.names('configmaps')).toEqual([
      'analytics-by-hand-config',
      'analytics-pagila-bronze-config',
      'finance-ledger-config',
    ]);
    expect(api.names('jobs')).toEqual([]);
    expect(result.applied).toEqual([
      'ConfigMap/analytics-pagila-bronze-config',
      'CronJob/analytics-pagila-bronze',
      'CronJob/analytics-old-kit',
      'ConfigMap/analytics-old-kit-config',
    ]);
    const deletes = api.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.query)).toEqual([
      { propagationPolicy: 'Background' },
      { propagationPolicy: 'Background' },
    ]);
  });

  it('lists by the warehouse label before and after applying', async () => {
    await driver.apply(analytics());
    const lists = api.requests.filter((r) => r.method === 'GET');
    // The two lists after applying run concurrently: their order is not part of the contract.
    expect(lists.map((r) => r.path).sort()).toEqual(
      [`${NS}/cronjobs`, `${NS}/cronjobs`, `${CORE}/configmaps`].sort(),
    );
    for (const list of lists) {
      expect(list.query).toEqual({
        labelSelector: 'app.kubernetes.io/managed-by=datakit,dev.datakit/warehouse=analytics',
      });
    }
    expect(api.lines().indexOf(`GET ${NS}/cronjobs`)).toBe(0);
  });

  it('sends dryRun=All on every apply and delete of a dry run, and the cluster keeps nothing', async () => {
    api.seed('cronjobs', cronJob('analytics-old-kit', labelsOf('analytics', 'old-kit')));
    const result = await driver.apply(analytics(), { dryRun: true });
    const writes = api.requests.filter((r) => r.method === 'PATCH' || r.method === 'DELETE');
    expect(writes).toHaveLength(3);
    for (const write of writes) expect(write.query.dryRun).toBe('All');
    expect(result.dryRun).toBe(true);
    expect(api.names('cronjobs')).toEqual(['analytics-old-kit']);
    expect(api.names('configmaps')).toEqual([]);
  });

  it('reports progress through the callback', async () => {
    api.seed('cronjobs', cronJob('analytics-old-kit', labelsOf('analytics', 'old-kit')));
    const messages: string[] = [];
    await driver.apply(analytics(), { onProgress: (m) => messages.push(m) });
    expect(messages).toEqual([
      'applied ConfigMap/analytics-pagila-bronze-config',
      'applied CronJob/analytics-pagila-bronze',
      'deleted CronJob/analytics-old-kit',
    ]);
  });

  it('reports what was and was not applied when it fails half way, and a second apply converges', async () => {
    api.fail(
      { method: 'PATCH', resource: 'cronjobs', times: 1 },
      { status: 500, message: 'etcdserver: request timed out' },
    );
    const error = await failure(driver.apply(analytics()));
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to apply CronJob/analytics-pagila-bronze (HTTP 500): etcdserver: request timed out Applied before the failure: ConfigMap/analytics-pagila-bronze-config. Not applied: CronJob/analytics-pagila-bronze; nothing was pruned."`,
    );
    expect(error.hint).toContain('deploy again');
    expect(exitCodeOf(error)).toBe(1);
    expect(api.names('configmaps')).toEqual(['analytics-pagila-bronze-config']);
    expect(api.names('cronjobs')).toEqual([]);

    await driver.apply(analytics());
    expect(api.names('cronjobs')).toEqual(['analytics-pagila-bronze']);
    expect((await driver.plan(analytics())).empty).toBe(true);
  });

  it('reports what was pruned when pruning fails', async () => {
    api.seed('cronjobs', cronJob('analytics-old-kit', labelsOf('analytics', 'old-kit')));
    api.seed('configmaps', configMap('analytics-old-kit-config', labelsOf('analytics', 'old-kit')));
    api.fail(
      { method: 'DELETE', resource: 'configmaps', times: 1 },
      { status: 503, message: 'the server is currently unable to handle the request' },
    );
    const error = await failure(driver.apply(analytics()));
    expect(error.message).toContain(
      'Every object was applied (ConfigMap/analytics-pagila-bronze-config, CronJob/analytics-pagila-bronze). Pruned before the failure: CronJob/analytics-old-kit.',
    );
    await driver.apply(analytics());
    expect(api.names('configmaps')).toEqual(['analytics-pagila-bronze-config']);
  });
});

describe('KubernetesDriver.plan', () => {
  it('reads what runs from the labels and annotations of the warehouse CronJobs', async () => {
    api.seed(
      'cronjobs',
      cronJob('analytics-pagila-bronze', labelsOf('analytics', 'pagila-bronze')),
    );
    api.seed('cronjobs', cronJob('finance-pagila-bronze', labelsOf('finance', 'pagila-bronze')));
    const plan = await driver.plan(analytics());
    expect(plan.changes).toEqual([
      {
        action: 'change',
        datakit: 'pagila-bronze',
        from: { version: '0.9.0', digest: `sha256:${'ab'.repeat(31)}a` },
        to: { version: '1.0.3', digest: analytics().jobs[0]!.digest },
        reasons: ['version 0.9.0 -> 1.0.3', 'schedule 0 1 * * * -> 15 2 * * *'],
      },
    ]);
  });
});

describe('KubernetesDriver.runJob', () => {
  beforeEach(async () => {
    await driver.apply(analytics());
  });

  it('creates a Job from the CronJob template, owned by the CronJob', async () => {
    await driver.runJob(analytics(), 'pagila-bronze');
    const create = api.requests.find((r) => r.method === 'POST')!;
    expect(create.query).toEqual({ fieldManager: 'datakit' });
    const body = create.body as V1Job;
    const deployed = api.get(
      'cronjobs',
      'data-analytics',
      'analytics-pagila-bronze',
    ) as unknown as V1CronJob;
    expect(body.metadata!.name).toMatch(/^analytics-pagila-bronze-[0-9a-z]+$/);
    expect(body.metadata!.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(body.metadata!.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'analytics-pagila-bronze',
        uid: deployed.metadata!.uid,
        controller: true,
      },
    ]);
    expect(body.metadata!.labels).toEqual(deployed.spec!.jobTemplate.metadata!.labels);
    expect(body.spec).toEqual(deployed.spec!.jobTemplate.spec);
  });

  it('returns the exit code and passes on the datakit container log lines', async () => {
    api.podScript = () => ({
      exitCodes: [0],
      logs: ['{"event":"progress"}\n{"event":"summary"}\n'],
    });
    const lines: string[] = [];
    const code = await driver.runJob(analytics(), 'pagila-bronze', {
      onStdout: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(lines).toEqual(['{"event":"progress"}', '{"event":"summary"}']);
    const log = api.requests.find((r) => r.path.endsWith('/log'))!;
    expect(log.query).toEqual({ container: 'datakit' });
  });

  it('waits for the retries of a Job that exits non-zero and returns the last exit code', async () => {
    // backoffLimit 2: three pods, then the Job controller marks the Job Failed.
    api.podScript = () => ({
      exitCodes: [1, 1, 4],
      logs: ['first\n', 'second\n', 'rejects over threshold\n'],
    });
    const lines: string[] = [];
    const code = await driver.runJob(analytics(), 'pagila-bronze', {
      onStdout: (l) => lines.push(l),
    });
    expect(code).toBe(4);
    expect(lines).toEqual(['rejects over threshold']);
    const [job] = api.names('jobs');
    const stored = api.get('jobs', 'data-analytics', job!) as unknown as V1Job;
    expect(stored.status!.failed).toBe(3);
    expect(stored.status!.conditions!.map((c) => c.type)).toContain('Failed');
    expect((await driver.status('analytics', 'prod')).jobs[0]).toMatchObject({
      state: 'failed',
      lastRun: { exitCode: 4 },
    });
    expect(await driver.logs('analytics', 'prod', 'pagila-bronze')).toBe(
      'rejects over threshold\n',
    );
  });

  it('deletes the Job and fails with exit code 5 when the sidecar has no ticket in time', async () => {
    api.podScript = () => ({ sidecarReady: false });
    const error = await driver
      .runJob(analytics(), 'pagila-bronze', { ticketTimeoutSeconds: 0.05 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(exitCodeOf(error)).toBe(5);
    expect((error as Error).message).toMatch(
      /^The Kerberos sidecar of Job analytics-pagila-bronze-[0-9a-z]+ had no valid ticket after 0.05 s; the Job was deleted.$/,
    );
    expect((error as EnvironmentError).hint).toContain('-c kerberos-sidecar');
    expect(api.names('jobs')).toEqual([]);
    expect(api.names('pods')).toEqual([]);
  });

  it('refuses to run a CronJob deployed at another digest, and creates no Job', async () => {
    const state = analytics();
    const other: DesiredState = {
      ...state,
      jobs: state.jobs.map((job) => ({
        ...job,
        version: '1.0.4',
        digest: `sha256:${'cd'.repeat(32)}`,
      })),
    };
    const error = await driver.runJob(other, 'pagila-bronze').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"The CronJob analytics-pagila-bronze runs pagila-bronze 1.0.3 (digest ${state.jobs[0]!.digest.slice(7, 70)}), but the lock pins 1.0.4 (sha256:${'cd'.repeat(32)})."`,
    );
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('refuses a datakit whose CronJob is not deployed', async () => {
    await driver.apply({ ...analytics(), jobs: [] });
    await expect(driver.runJob(analytics(), 'pagila-bronze')).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('KubernetesDriver failures: a clear message and a documented exit code', () => {
  it('401: credentials the API server does not accept (exit 5)', async () => {
    api.token = 'another';
    const error = await failure(driver.plan(analytics()));
    expect(error.status).toBe(401);
    expect(exitCodeOf(error)).toBe(5);
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to list CronJobs in data-analytics (HTTP 401): Unauthorized"`,
    );
    expect(error.hint).toContain('kubectl auth whoami');
  });

  it('403: RBAC refuses (exit 5)', async () => {
    api.forbid('list', 'cronjobs');
    const error = await failure(driver.plan(analytics()));
    expect(error.status).toBe(403);
    expect(exitCodeOf(error)).toBe(5);
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to list CronJobs in data-analytics (HTTP 403): cronjobs.batch is forbidden: User "system:serviceaccount:ci:datakit" cannot list resource "cronjobs" in API group "batch" in the namespace "data-analytics""`,
    );
    expect(error.hint).toContain('RBAC');
  });

  it('404: the namespace does not exist (exit 5)', async () => {
    api.namespaces.delete('data-analytics');
    const error = await failure(driver.apply(analytics()));
    expect(error.status).toBe(404);
    expect(exitCodeOf(error)).toBe(5);
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to apply ConfigMap/analytics-pagila-bronze-config (HTTP 404): namespaces "data-analytics" not found Applied before the failure: nothing. Not applied: ConfigMap/analytics-pagila-bronze-config, CronJob/analytics-pagila-bronze; nothing was pruned."`,
    );
    expect(error.hint).toContain('kubectl create namespace data-analytics');
  });

  it('404: a Job that vanished while it ran (exit 1)', async () => {
    await driver.apply(analytics());
    api.fail(
      { method: 'GET', resource: 'jobs' },
      { status: 404, reason: 'NotFound', message: 'jobs.batch "x" not found' },
    );
    const error = await failure(driver.runJob(analytics(), 'pagila-bronze'));
    expect(exitCodeOf(error)).toBe(1);
    expect(error.message).toMatch(
      /^Kubernetes refused to read Job\/analytics-pagila-bronze-\w+ in data-analytics \(HTTP 404\)/,
    );
  });

  it('409: a conflict (exit 1, run again)', async () => {
    await driver.apply(analytics());
    api.fail(
      { method: 'POST', resource: 'jobs' },
      {
        status: 409,
        reason: 'AlreadyExists',
        message: 'jobs.batch "analytics-pagila-bronze-x" already exists',
      },
    );
    const error = await failure(driver.runJob(analytics(), 'pagila-bronze'));
    expect(error.status).toBe(409);
    expect(exitCodeOf(error)).toBe(1);
    expect(error.message).toMatch(
      /^Kubernetes refused to create Job\/analytics-pagila-bronze-\w+ in data-analytics \(HTTP 409\): jobs.batch "analytics-pagila-bronze-x" already exists$/,
    );
    expect(error.hint).toContain('run the command again');
  });

  it('422: a value the API server refuses, e.g. hour 25 in a schedule (exit 2)', async () => {
    const state = analytics();
    const bad = { ...state, jobs: state.jobs.map((job) => ({ ...job, schedule: '0 25 * * *' })) };
    const error = await failure(driver.apply(bad));
    expect(error.status).toBe(422);
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to apply CronJob/analytics-pagila-bronze (HTTP 422): CronJob.batch "analytics-pagila-bronze" is invalid: spec.schedule: Invalid value: "0 25 * * *": unparseable cron expression Applied before the failure: ConfigMap/analytics-pagila-bronze-config. Not applied: CronJob/analytics-pagila-bronze; nothing was pruned."`,
    );
  });

  it('an object with a field the schema does not declare is refused, not applied without it (exit 1)', async () => {
    // client-node's typed create drops unknown fields itself; apply bodies go through as written.
    const client = new KubernetesClient({ kubeConfig: kubeConfigFor(server, STAND_IN_TOKEN) });
    const [configMap] = renderManifests(analytics());
    const typo = { ...configMap!, dta: { 'config.json': '{}' } };
    const error = await failure(client.apply(typo, false));
    expect(exitCodeOf(error)).toBe(1);
    expect(error.message).toContain('.dta: field not declared in schema');
    expect(api.names('configmaps')).toEqual([]);
  });

  it('5xx: the API server fails (exit 1)', async () => {
    api.fail(
      { method: 'GET', resource: 'cronjobs' },
      { status: 503, message: 'the server is currently unable to handle the request' },
    );
    const error = await failure(driver.plan(analytics()));
    expect(error.status).toBe(503);
    expect(exitCodeOf(error)).toBe(1);
    expect(error.message).toMatchInlineSnapshot(
      `"Kubernetes refused to list CronJobs in data-analytics (HTTP 503): the server is currently unable to handle the request"`,
    );
    expect(error.hint).toContain('/readyz');
  });

  it('a dropped connection (exit 5)', async () => {
    api.fail({ method: 'GET', resource: 'cronjobs' }, 'drop');
    const error = await failure(driver.plan(analytics()));
    expect(error.status).toBeUndefined();
    expect(exitCodeOf(error)).toBe(5);
    expect(stable(error.message)).toMatch(
      /^Could not list CronJobs in data-analytics at http:\/\/127.0.0.1:PORT: .+\.$/,
    );
    expect(error.hint).toContain('kubectl cluster-info');
  });

  it('no API server at the address (exit 5)', async () => {
    await api.stop();
    const error = await failure(driver.status('analytics', 'prod'));
    expect(exitCodeOf(error)).toBe(5);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('KubernetesDriver.status', () => {
  it('reports each CronJob with the outcome of its newest Job', async () => {
    await driver.apply(analytics());
    api.podScript = () => ({ exitCodes: [0] });
    await driver.runJob(analytics(), 'pagila-bronze');
    const status = await driver.status('analytics', 'prod');
    expect(status.jobs).toEqual([
      {
        datakit: 'pagila-bronze',
        version: '1.0.3',
        digest: analytics().jobs[0]!.digest.slice(7, 70),
        schedule: '15 2 * * *',
        state: 'succeeded',
        lastRun: { startedAt: expect.stringMatching(/^2026-03-01T/) as string, exitCode: 0 },
      },
    ]);
  });
});
