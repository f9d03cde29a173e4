import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1CronJob } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '@datakit/errors';
import { DEPLOY_LABELS } from '../../desired-state.ts';
import { exampleState } from './_fixture-state.ts';
import { KubernetesError, kubeConfigFor } from './client.ts';
import { ANNOTATIONS } from './config.ts';
import { KubernetesDriver } from './kubernetes-driver.ts';
import { renderManifests } from './render.ts';

/** One request as the fake API server saw it. */
interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
}

type Reply = { status?: number; json?: unknown; text?: string };

/**
 * A stand-in for the Kubernetes API server on 127.0.0.1: records every request and answers
 * with what `route` returns (404 otherwise). No real API server can run on this machine.
 */
class FakeApiServer {
  readonly requests: Recorded[] = [];
  route: (request: Recorded) => Reply | undefined = () => undefined;
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const contentType = req.headers['content-type'];
        const recorded: Recorded = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          contentType,
          body: raw === '' ? undefined : (parse(raw) as unknown),
        };
        this.requests.push(recorded);
        const reply = this.route(recorded) ?? {
          status: 404,
          json: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'not found',
            code: 404,
          },
        };
        if (reply.text !== undefined) {
          res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain' });
          res.end(reply.text);
          return;
        }
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.json ?? {}));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** The requests without the list calls, as `METHOD path`. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const list = (kind: string, items: unknown[]): Reply => ({
  json: { apiVersion: 'v1', kind: `${kind}List`, metadata: {}, items },
});

const echo = (request: Recorded): Reply => ({
  json: {
    ...(request.body as object),
    metadata: { ...(request.body as { metadata: object }).metadata, resourceVersion: '2' },
  },
});

const NS = '/apis/batch/v1/namespaces/data-analytics';
const CORE = '/api/v1/namespaces/data-analytics';

let api: FakeApiServer;
let driver: KubernetesDriver;

beforeEach(async () => {
  api = new FakeApiServer();
  const server = await api.start();
  driver = new KubernetesDriver({
    namespace: 'data-analytics',
    kubeConfig: kubeConfigFor(server),
    pollIntervalMs: 5,
  });
});

afterEach(async () => {
  await api.stop();
});

/** A CronJob of the analytics warehouse as the cluster would hold it. */
const deployedCronJob = (datakit: string, extra: Record<string, string> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: {
    name: `analytics-${datakit}`,
    namespace: 'data-analytics',
    uid: '6f1c-uid',
    labels: {
      [DEPLOY_LABELS.managedBy]: 'datakit',
      [DEPLOY_LABELS.warehouse]: 'analytics',
      [DEPLOY_LABELS.datakit]: datakit,
      [DEPLOY_LABELS.version]: '0.9.0',
      [DEPLOY_LABELS.digest]: 'ab'.repeat(31) + 'a',
      [DEPLOY_LABELS.lockRevision]: 'old',
      ...extra,
    },
    annotations: { [ANNOTATIONS.schedule]: '0 1 * * *', [ANNOTATIONS.specHash]: 'x' },
  },
  spec: {
    schedule: '0 1 * * *',
    jobTemplate: { spec: { template: { spec: { containers: [] } } } },
  },
});

describe('KubernetesDriver.apply', () => {
  beforeEach(() => {
    api.route = (r) => {
      if (r.method === 'PATCH') return echo(r);
      if (r.method === 'GET' && r.path === `${NS}/cronjobs`)
        return list('CronJob', [deployedCronJob('old-kit')]);
      if (r.method === 'GET' && r.path === `${CORE}/configmaps`)
        return list('ConfigMap', [
          { metadata: { name: 'analytics-old-kit-config', namespace: 'data-analytics' } },
        ]);
      if (r.method === 'DELETE')
        return { json: { kind: 'Status', apiVersion: 'v1', status: 'Success' } };
      return undefined;
    };
  });

  it('applies every object with server-side apply as field manager datakit, forced', async () => {
    await driver.apply(exampleState('analytics'));
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.query, r.contentType])).toEqual([
      [
        `${CORE}/configmaps/analytics-pagila-bronze-config`,
        { fieldManager: 'datakit', force: 'true' },
        'application/apply-patch+yaml',
      ],
      [
        `${NS}/cronjobs/analytics-pagila-bronze`,
        { fieldManager: 'datakit', force: 'true' },
        'application/apply-patch+yaml',
      ],
    ]);
  });

  it('sends the rendered objects unchanged as the apply bodies', async () => {
    await driver.apply(exampleState('analytics'));
    const bodies = api.requests.filter((r) => r.method === 'PATCH').map((r) => r.body);
    expect(bodies).toEqual(renderManifests(exampleState('analytics')));
  });

  it('lists by the warehouse label, then prunes CronJobs and ConfigMaps no longer pinned', async () => {
    const result = await driver.apply(exampleState('analytics'));
    expect(api.lines()).toEqual([
      `GET ${NS}/cronjobs`,
      `PATCH ${CORE}/configmaps/analytics-pagila-bronze-config`,
      `PATCH ${NS}/cronjobs/analytics-pagila-bronze`,
      `GET ${NS}/cronjobs`,
      `GET ${CORE}/configmaps`,
      `DELETE ${NS}/cronjobs/analytics-old-kit`,
      `DELETE ${CORE}/configmaps/analytics-old-kit-config`,
    ]);
    expect(api.requests[0]!.query).toEqual({
      labelSelector: 'app.kubernetes.io/managed-by=datakit,dev.datakit/warehouse=analytics',
    });
    expect(api.requests.find((r) => r.method === 'DELETE')!.query).toEqual({
      propagationPolicy: 'Background',
    });
    expect(result.applied).toEqual([
      'ConfigMap/analytics-pagila-bronze-config',
      'CronJob/analytics-pagila-bronze',
      'CronJob/analytics-old-kit',
      'ConfigMap/analytics-old-kit-config',
    ]);
  });

  it('sends dryRun=All on every apply and delete of a dry run', async () => {
    const result = await driver.apply(exampleState('analytics'), { dryRun: true });
    const writes = api.requests.filter((r) => r.method === 'PATCH' || r.method === 'DELETE');
    expect(writes).toHaveLength(4);
    for (const write of writes) expect(write.query.dryRun).toBe('All');
    expect(result.dryRun).toBe(true);
  });

  it('reports progress through the callback', async () => {
    const messages: string[] = [];
    await driver.apply(exampleState('analytics'), { onProgress: (m) => messages.push(m) });
    expect(messages).toEqual([
      'applied ConfigMap/analytics-pagila-bronze-config',
      'applied CronJob/analytics-pagila-bronze',
      'deleted CronJob/analytics-old-kit',
      'deleted ConfigMap/analytics-old-kit-config',
    ]);
  });
});

describe('KubernetesDriver.plan', () => {
  it('reads what runs from the labels and annotations of the warehouse CronJobs', async () => {
    api.route = (r) =>
      r.path === `${NS}/cronjobs` ? list('CronJob', [deployedCronJob('pagila-bronze')]) : undefined;
    const plan = await driver.plan(exampleState('analytics'));
    expect(plan.changes).toEqual([
      {
        action: 'change',
        datakit: 'pagila-bronze',
        from: { version: '0.9.0', digest: `sha256:${'ab'.repeat(31)}a` },
        to: { version: '1.0.3', digest: exampleState('analytics').jobs[0]!.digest },
        reasons: ['version 0.9.0 -> 1.0.3', 'schedule 0 1 * * * -> 15 2 * * *'],
      },
    ]);
  });

  it('is empty when the deployed CronJobs are the rendered ones', async () => {
    const rendered = renderManifests(exampleState('analytics')).filter((m) => m.kind === 'CronJob');
    api.route = (r) => (r.path === `${NS}/cronjobs` ? list('CronJob', rendered) : undefined);
    expect((await driver.plan(exampleState('analytics'))).empty).toBe(true);
  });
});

describe('KubernetesDriver.runJob', () => {
  const state = exampleState('analytics');
  const cronJob = renderManifests(state).find((m) => m.kind === 'CronJob') as V1CronJob;
  beforeEach(() => {
    api.route = (r) => {
      if (r.method === 'GET' && r.path === `${NS}/cronjobs/analytics-pagila-bronze`)
        return { json: { ...cronJob, metadata: { ...cronJob.metadata, uid: 'cj-uid' } } };
      if (r.method === 'POST' && r.path === `${NS}/jobs`) return echo(r);
      if (r.method === 'GET' && r.path.startsWith(`${NS}/jobs/`))
        return {
          json: {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: r.path.split('/').pop() },
            status: { succeeded: 1 },
          },
        };
      if (r.method === 'GET' && r.path === `${CORE}/pods`)
        return list('Pod', [
          {
            metadata: { name: 'run-pod' },
            status: {
              containerStatuses: [
                {
                  name: 'datakit',
                  image: 'x',
                  imageID: 'x',
                  ready: false,
                  restartCount: 0,
                  state: { terminated: { exitCode: 0 } },
                },
              ],
            },
          },
        ]);
      if (r.method === 'GET' && r.path === `${CORE}/pods/run-pod/log`)
        return { text: '{"event":"progress"}\n{"event":"summary"}\n' };
      return undefined;
    };
  });

  it('creates a Job from the CronJob template, owned by the CronJob', async () => {
    await driver.runJob(state, 'pagila-bronze');
    const create = api.requests.find((r) => r.method === 'POST')!;
    const body = create.body as {
      metadata: { name: string; annotations: object; ownerReferences: object[]; labels: object };
      spec: unknown;
    };
    expect(body.metadata.name).toMatch(/^analytics-pagila-bronze-[0-9a-z]+$/);
    expect(body.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(body.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'analytics-pagila-bronze',
        uid: 'cj-uid',
        controller: true,
      },
    ]);
    expect(body.metadata.labels).toEqual(cronJob.spec!.jobTemplate.metadata!.labels);
    expect(body.spec).toEqual(cronJob.spec!.jobTemplate.spec);
  });

  it('returns the exit code and passes on the datakit container log lines', async () => {
    const lines: string[] = [];
    const code = await driver.runJob(state, 'pagila-bronze', { onStdout: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines).toEqual(['{"event":"progress"}', '{"event":"summary"}']);
    const log = api.requests.find((r) => r.path.endsWith('/log'))!;
    expect(log.query).toEqual({ container: 'datakit' });
  });

  it('refuses a datakit whose CronJob is not deployed', async () => {
    api.route = () => undefined;
    await expect(driver.runJob(state, 'pagila-bronze')).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('KubernetesDriver errors', () => {
  it('turns a refused request into a KubernetesError with the status and the API message', async () => {
    api.route = () => ({
      status: 403,
      json: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'cronjobs.batch is forbidden: User "ci" cannot list resource "cronjobs"',
        code: 403,
      },
    });
    const error = await driver.plan(exampleState('analytics')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesError);
    expect((error as KubernetesError).status).toBe(403);
    expect((error as KubernetesError).message).toMatchInlineSnapshot(
      `"Kubernetes refused to list CronJobs in data-analytics (HTTP 403): cronjobs.batch is forbidden: User "ci" cannot list resource "cronjobs""`,
    );
  });
});

describe('KubernetesDriver.status', () => {
  it('reports each CronJob with the outcome of its newest Job', async () => {
    api.route = (r) => {
      if (r.path === `${NS}/cronjobs`) return list('CronJob', [deployedCronJob('pagila-bronze')]);
      if (r.path === `${NS}/jobs`)
        return list('Job', [
          {
            metadata: {
              name: 'analytics-pagila-bronze-1',
              creationTimestamp: '2026-01-01T00:00:00Z',
              labels: { [DEPLOY_LABELS.datakit]: 'pagila-bronze' },
            },
            status: { failed: 1, startTime: '2026-01-01T00:00:01Z' },
          },
        ]);
      if (r.path === `${CORE}/pods`) return list('Pod', []);
      return undefined;
    };
    const status = await driver.status('analytics', 'prod');
    expect(status.jobs).toEqual([
      {
        datakit: 'pagila-bronze',
        version: '0.9.0',
        digest: 'ab'.repeat(31) + 'a',
        schedule: '0 1 * * *',
        state: 'failed',
        lastRun: { startedAt: '2026-01-01T00:00:01.000Z', exitCode: undefined },
      },
    ]);
  });
});
