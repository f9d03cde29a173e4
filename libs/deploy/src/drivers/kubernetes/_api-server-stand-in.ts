import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as models from '@kubernetes/client-node';
import { parse } from 'yaml';

/**
 * TEST-ONLY STAND-IN for the Kubernetes API server, on 127.0.0.1 (no real one can run here).
 *
 * It keeps objects (ConfigMaps, CronJobs, Jobs, Pods) in memory across calls and answers the
 * requests `KubernetesClient` sends the way kube-apiserver does where the driver depends on it:
 *
 * - **list** filters by `labelSelector` (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`; a
 *   malformed selector is a 400), items sorted by name (etcd key order), list `resourceVersion`;
 * - **server-side apply** (`application/apply-patch+yaml`): needs `fieldManager` (422), refuses a
 *   kind/apiVersion/name that does not match the URL (400), a stale `metadata.resourceVersion`
 *   (409) and fields the schema does not declare, whatever `fieldValidation` says (500 "failed to
 *   create typed patch object … field not declared in schema", as kube-apiserver answers); tracks
 *   field ownership per manager in `managedFields` (leaf paths; lists are atomic), reports
 *   conflicts with another manager as 409 unless `force=true`, removes fields a manager no longer
 *   applies; an apply that changes nothing keeps the `resourceVersion`;
 * - **create** (POST): 409 AlreadyExists; unknown fields: `fieldValidation=Strict` → 400 "strict
 *   decoding error", `Warn` (the default) → dropped with a `Warning: 299` header, `Ignore` →
 *   dropped; a Job gets its selector and controller labels;
 * - **validation** (422 Invalid with `details.causes`): names (DNS-1123, 52 characters for a
 *   CronJob), label values, cron schedules (field ranges), owner references without uid;
 * - **defaulting** of the fields the driver reads back (uid, creationTimestamp with second
 *   resolution, generation, `spec.suspend`, history limits, Job and pod template defaults);
 * - **delete** with `propagationPolicy` (Background/Foreground delete dependents by owner uid;
 *   Orphan, and the Job default, keep them); 404 NotFound Status bodies with `details`; writes into
 *   a namespace that does not exist are 404 `namespaces "…" not found`; `dryRun=All` persists nothing;
 * - a **Job controller and kubelet** in miniature: every request advances each unfinished Job by
 *   one step (pod Pending → Running → terminated), pods are retried up to `backoffLimit`, then the
 *   Job gets its `Complete` or `Failed` condition; the sidecar can be kept from becoming ready;
 * - **authentication and faults on demand**: a bearer token other than {@link token} is a 401;
 *   {@link forbid} makes a verb on a resource a 403 RBAC refusal; {@link fail} answers chosen
 *   requests with any status, or drops the connection without answering.
 *
 * Not modelled: watches, field selectors, status subresources, strategic merge patches,
 * associative lists in managedFields (`k:{"name":…}`), admission.
 */

/** The resources the driver uses, by their URL segment. */
const RESOURCES = {
  configmaps: { kind: 'ConfigMap', group: '', version: 'v1', prefix: '/api/v1' },
  pods: { kind: 'Pod', group: '', version: 'v1', prefix: '/api/v1' },
  cronjobs: { kind: 'CronJob', group: 'batch', version: 'v1', prefix: '/apis/batch/v1' },
  jobs: { kind: 'Job', group: 'batch', version: 'v1', prefix: '/apis/batch/v1' },
} as const;

/** A resource's URL segment: `cronjobs`, `jobs`, `configmaps`, `pods`. */
export type Resource = keyof typeof RESOURCES;

/** An API object as JSON. */
export type ApiObject = Record<string, unknown> & {
  metadata?: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
  };
};

/** One request as the stand-in saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  resource: Resource | undefined;
  name: string | undefined;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
}

/** What a chosen request gets instead of its answer. */
export type Fault =
  | { status: number; reason?: string; message?: string }
  /** The connection is closed without an answer. */
  | 'drop';

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  method?: string;
  resource?: Resource;
  name?: string;
  /** How many matching requests fail; default every one. */
  times?: number;
}

/** How the pods of a Job behave, decided when the Job is created. */
export interface PodScript {
  /** Exit code of the datakit container per attempt; the last one repeats. Default `[0]`. */
  exitCodes?: number[];
  /** What the datakit container printed, per attempt (the last one repeats). */
  logs?: string[];
  /** False keeps the sidecar from ever becoming ready: the datakit never starts. */
  sidecarReady?: boolean;
}

const SIDECAR = 'kerberos-sidecar';

/** A Kubernetes API server stand-in; see the file comment for what it models. */
/** The bearer token a stand-in accepts unless a test sets another; a test value, not a credential. */
export const STAND_IN_TOKEN = 'stand-in-test-token';

export class ApiServerStandIn {
  /** Every request, in the order they arrived. */
  readonly requests: RecordedRequest[] = [];
  /** The bearer token it accepts. */
  token = STAND_IN_TOKEN;
  /** Namespaces that exist. */
  readonly namespaces = new Set(['default', 'data-analytics']);
  /** How the pods of each new Job behave. */
  podScript: (job: ApiObject) => PodScript = () => ({});
  /** Warning headers sent, in order. */
  readonly warnings: string[] = [];
  /** The user name RBAC refusals name. */
  user = 'system:serviceaccount:ci:datakit';

  readonly #objects = new Map<string, ApiObject>();
  readonly #owners = new Map<string, Map<string, Set<string>>>();
  readonly #jobs = new Map<string, { script: PodScript; attempt: number; step: number }>();
  readonly #faults: Array<{ match: FaultMatch; fault: Fault; left: number }> = [];
  readonly #forbidden = new Set<string>();
  #resourceVersion = 1000;
  /** A logical clock: one second per created object, from a fixed start. */
  #clock = Date.parse('2026-03-01T00:00:00Z');
  #server: Server | undefined;

  /** Starts listening on 127.0.0.1 and a free port; returns the base URL. */
  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) status(res, 500, 'InternalError', String(error));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Answers matching requests with `fault` (every one, or `times` of them). */
  fail(match: FaultMatch, fault: Fault): void {
    this.#faults.push({ match, fault, left: match.times ?? Infinity });
  }

  /** Refuses `verb` (get, list, create, patch, delete) on `resource` as RBAC would (403). */
  forbid(verb: string, resource: Resource | 'pods/log'): void {
    this.#forbidden.add(`${verb} ${resource}`);
  }

  /** Puts an object in place as if another client had created it (manager `kubectl-create`). */
  seed(resource: Resource, object: ApiObject): ApiObject {
    const namespace = object.metadata?.namespace ?? 'data-analytics';
    const stored = this.#finishCreate(
      resource,
      namespace,
      structuredClone(object),
      'kubectl-create',
    );
    this.#objects.set(key(resource, namespace, stored.metadata!.name!), stored);
    return stored;
  }

  /** Changes fields of a stored object as another manager with an update (e.g. `kubectl edit`). */
  edit(resource: Resource, namespace: string, name: string, manager: string, fields: ApiObject) {
    const id = key(resource, namespace, name);
    const object = this.#objects.get(id);
    if (object === undefined) throw new Error(`no ${id}`);
    const paths = leafPaths(fields);
    for (const path of paths) setPath(object, path, getPath(fields, path));
    const owners = this.#ownersOf(id);
    for (const [other, owned] of owners)
      if (other !== manager) for (const p of paths) owned.delete(p);
    owners.set(manager, new Set([...(owners.get(manager) ?? []), ...paths]));
    object.metadata!.resourceVersion = this.#nextResourceVersion();
    this.#writeManagedFields(object, owners, 'Update');
  }

  /** The stored object, or undefined. */
  get(resource: Resource, namespace: string, name: string): ApiObject | undefined {
    const object = this.#objects.get(key(resource, namespace, name));
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Names of the stored objects of a resource in a namespace, sorted. */
  names(resource: Resource, namespace = 'data-analytics'): string[] {
    return [...this.#objects.keys()]
      .filter((k) => k.startsWith(`${resource}/${namespace}/`))
      .map((k) => k.split('/')[2]!)
      .sort();
  }

  /** The requests as `METHOD path`. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match =
      /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(
        url.pathname,
      );
    const resource = match && match[2]! in RESOURCES ? (match[2] as Resource) : undefined;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      resource,
      name: match?.[3],
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      body: raw === '' ? undefined : (parse(raw) as unknown),
    };
    this.requests.push(recorded);
    this.#tick();

    const fault = this.#faults.find(
      (f) =>
        f.left > 0 &&
        (f.match.method === undefined || f.match.method === recorded.method) &&
        (f.match.resource === undefined || f.match.resource === resource) &&
        (f.match.name === undefined || f.match.name === recorded.name),
    );
    if (fault !== undefined) {
      fault.left -= 1;
      if (fault.fault === 'drop') {
        req.socket.destroy();
        return;
      }
      const { status: code, reason, message } = fault.fault;
      return status(res, code, reason ?? reasonOf(code), message ?? `injected ${code}`);
    }

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    if (match === null || resource === undefined) {
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const namespace = match[1]!;
    const name = match[3];
    const info = RESOURCES[resource];
    const log = match[4] !== undefined;
    const verb = verbOf(recorded.method, name);
    const rbacResource = log ? 'pods/log' : resource;
    if (this.#forbidden.has(`${verb} ${rbacResource}`)) {
      const what = name === undefined ? `resource "${rbacResource}"` : `resource "${rbacResource}"`;
      return status(
        res,
        403,
        'Forbidden',
        `${resource}${info.group ? `.${info.group}` : ''}${name ? ` "${name}"` : ''} is forbidden: User "${this.user}" cannot ${verb} ${what} in API group "${info.group}" in the namespace "${namespace}"`,
        { name, group: info.group, kind: resource },
      );
    }
    const dryRun = recorded.query.dryRun === 'All';

    if (log) return this.#log(res, namespace, name!, recorded.query);
    if (recorded.method === 'GET' && name === undefined)
      return this.#list(res, resource, namespace, recorded.query.labelSelector);
    if (recorded.method === 'GET') {
      const object = this.#objects.get(key(resource, namespace, name!));
      if (object === undefined) return notFound(res, resource, name!);
      return json(res, 200, object);
    }
    if (!this.namespaces.has(namespace)) {
      return status(res, 404, 'NotFound', `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: 'namespaces',
      });
    }
    if (recorded.method === 'PATCH') {
      if (!(recorded.contentType ?? '').startsWith('application/apply-patch+yaml')) {
        return status(res, 415, 'UnsupportedMediaType', `${recorded.contentType} is not supported`);
      }
      return this.#apply(res, resource, namespace, name!, recorded, dryRun);
    }
    if (recorded.method === 'POST' && name === undefined)
      return this.#create(res, resource, namespace, recorded, dryRun);
    if (recorded.method === 'DELETE' && name !== undefined) {
      const id = key(resource, namespace, name);
      if (!this.#objects.has(id)) return notFound(res, resource, name);
      if (!dryRun) {
        const policy =
          recorded.query.propagationPolicy ?? (resource === 'jobs' ? 'Orphan' : 'Background');
        this.#delete(id, policy !== 'Orphan');
      }
      return json(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: info.group, kind: resource, uid: 'x' },
      });
    }
    return status(res, 405, 'MethodNotAllowed', `${recorded.method} is not allowed here`);
  }

  #list(res: ServerResponse, resource: Resource, namespace: string, selector: string | undefined) {
    let matches: (labels: Record<string, string>) => boolean;
    try {
      matches = parseSelector(selector ?? '');
    } catch (error) {
      return status(res, 400, 'BadRequest', (error as Error).message);
    }
    const items = [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(`${resource}/${namespace}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, object]) => object)
      .filter((object) => matches(object.metadata?.labels ?? {}))
      // Items of a typed list carry neither kind nor apiVersion.
      .map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    const info = RESOURCES[resource];
    return json(res, 200, {
      kind: `${info.kind}List`,
      apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
      metadata: { resourceVersion: String(this.#resourceVersion) },
      items,
    });
  }

  #apply(
    res: ServerResponse,
    resource: Resource,
    namespace: string,
    name: string,
    request: RecordedRequest,
    dryRun: boolean,
  ) {
    const info = RESOURCES[resource];
    const manager = request.query.fieldManager;
    if (manager === undefined || manager === '') {
      return status(
        res,
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    const body = request.body as ApiObject | undefined;
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    if (body === undefined || typeof body !== 'object') {
      return status(res, 400, 'BadRequest', 'error decoding YAML: empty patch');
    }
    if (body.apiVersion !== apiVersion || body.kind !== info.kind) {
      return status(
        res,
        400,
        'BadRequest',
        `Incorrect version specified in apply patch. Specified patch version: ${String(body.apiVersion)}, expected: ${apiVersion}`,
      );
    }
    if (body.metadata?.name !== name) {
      return status(
        res,
        400,
        'BadRequest',
        `the name of the object (${String(body.metadata?.name)}) does not match the name on the URL (${name})`,
      );
    }
    const unknown = unknownFields(body, `V1${info.kind}`);
    if (unknown.length > 0) {
      // kube-apiserver answers this with a plain 500, whatever fieldValidation says.
      return status(
        res,
        500,
        'InternalError',
        `failed to create typed patch object (${namespace}/${name}; ${apiVersion}, Kind=${info.kind}): ${unknown.map((p) => `.${p}: field not declared in schema`).join(', ')}`,
      );
    }
    const id = key(resource, namespace, name);
    const live = this.#objects.get(id);
    const sentVersion = body.metadata?.resourceVersion;
    if (sentVersion !== undefined && sentVersion !== live?.metadata?.resourceVersion) {
      return conflict(res, resource, name);
    }
    const owners = live === undefined ? new Map<string, Set<string>>() : this.#ownersOf(id);
    const applied = new Set(
      leafPaths(body).filter(
        (p) => !['apiVersion', 'kind', 'metadata.name', 'metadata.namespace'].includes(p),
      ),
    );
    const conflicts: string[] = [];
    const next: ApiObject = structuredClone(live ?? { apiVersion, kind: info.kind });
    for (const path of applied) {
      for (const [other, owned] of owners) {
        if (other === manager || !owned.has(path)) continue;
        if (JSON.stringify(getPath(next, path)) === JSON.stringify(getPath(body, path))) continue;
        conflicts.push(`conflict with "${other}": .${segments(path).join('.')}`);
      }
    }
    if (conflicts.length > 0 && request.query.force !== 'true') {
      return status(
        res,
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.join(', ')}`,
      );
    }
    const newOwners = new Map([...owners].map(([m, owned]) => [m, new Set(owned)]));
    for (const path of newOwners.get(manager) ?? []) {
      const ownedByOthers = [...newOwners].some(([m, owned]) => m !== manager && owned.has(path));
      if (!applied.has(path) && !ownedByOthers) deletePath(next, path);
    }
    for (const path of applied) {
      setPath(next, path, structuredClone(getPath(body, path)));
      for (const [m, owned] of newOwners) if (m !== manager) owned.delete(path);
    }
    newOwners.set(manager, applied);
    let stored: ApiObject;
    if (live === undefined) {
      const invalid = validate(resource, namespace, name, next);
      if (invalid !== undefined) return invalidStatus(res, info.kind, name, invalid);
      stored = this.#finishCreate(resource, namespace, next, undefined);
    } else {
      applyDefaults(resource, next);
      const invalid = validate(resource, namespace, name, next);
      if (invalid !== undefined) return invalidStatus(res, info.kind, name, invalid);
      stored = next;
      const unchanged =
        JSON.stringify(withoutBookkeeping(next)) === JSON.stringify(withoutBookkeeping(live));
      if (!unchanged) {
        stored.metadata!.resourceVersion = this.#nextResourceVersion();
        if (JSON.stringify(next.spec) !== JSON.stringify(live.spec)) {
          stored.metadata!.generation = Number(live.metadata?.generation ?? 1) + 1;
        }
      }
    }
    this.#writeManagedFields(stored, newOwners, 'Apply', manager);
    if (!dryRun) {
      this.#objects.set(id, stored);
      this.#owners.set(id, newOwners);
    }
    return json(res, live === undefined ? 201 : 200, stored);
  }

  #create(
    res: ServerResponse,
    resource: Resource,
    namespace: string,
    request: RecordedRequest,
    dryRun: boolean,
  ) {
    const info = RESOURCES[resource];
    const body = structuredClone(request.body as ApiObject);
    const unknown = unknownFields(body, `V1${info.kind}`);
    const validation = request.query.fieldValidation ?? 'Warn';
    if (unknown.length > 0 && validation === 'Strict') {
      return status(
        res,
        400,
        'BadRequest',
        `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`,
      );
    }
    for (const path of unknown) deletePath(body, path);
    const warnings =
      validation === 'Warn' ? unknown.map((p) => `299 - "unknown field \\"${p}\\""`) : [];
    body.metadata ??= {};
    if (body.metadata.name === undefined && typeof body.metadata.generateName === 'string') {
      body.metadata.name = `${body.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = body.metadata.name ?? '';
    if (this.#objects.has(key(resource, namespace, name))) {
      return status(
        res,
        409,
        'AlreadyExists',
        `${resource}${info.group ? `.${info.group}` : ''} "${name}" already exists`,
        { name, group: info.group, kind: resource },
      );
    }
    const invalid = validate(resource, namespace, name, body);
    if (invalid !== undefined) return invalidStatus(res, info.kind, name, invalid);
    const manager = request.query.fieldManager ?? 'unknown';
    const stored = this.#finishCreate(resource, namespace, body, manager);
    if (!dryRun) {
      this.#objects.set(key(resource, namespace, name), stored);
      if (resource === 'jobs') {
        this.#jobs.set(key(resource, namespace, name), {
          script: this.podScript(stored),
          attempt: 0,
          step: 0,
        });
      }
    }
    this.warnings.push(...warnings);
    return json(res, 201, stored, warnings);
  }

  /** Metadata and defaults of a new object; for a Job also its selector and labels. */
  #finishCreate(
    resource: Resource,
    namespace: string,
    object: ApiObject,
    manager: string | undefined,
  ): ApiObject {
    const info = RESOURCES[resource];
    object.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    object.kind = info.kind;
    const uid = randomUUID();
    object.metadata = {
      ...object.metadata,
      namespace,
      uid,
      resourceVersion: this.#nextResourceVersion(),
      creationTimestamp: this.#now(),
      ...(resource === 'configmaps' || resource === 'pods' ? {} : { generation: 1 }),
    };
    if (resource === 'jobs') {
      const spec = (object.spec ??= {}) as Record<string, unknown>;
      const labels = {
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': object.metadata.name!,
        'controller-uid': uid,
        'job-name': object.metadata.name!,
      };
      spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
      const template = (spec.template ??= {}) as { metadata?: { labels?: object } };
      template.metadata = {
        ...template.metadata,
        labels: { ...template.metadata?.labels, ...labels },
      };
      object.status = {};
    }
    if (resource === 'cronjobs') object.status = {};
    applyDefaults(resource, object);
    if (manager !== undefined) {
      const owners = new Map([[manager, new Set(leafPaths(object))]]);
      this.#owners.set(key(resource, namespace, object.metadata.name!), owners);
      this.#writeManagedFields(object, owners, 'Update');
    }
    return object;
  }

  #writeManagedFields(
    object: ApiObject,
    owners: Map<string, Set<string>>,
    operation: 'Apply' | 'Update',
    applier?: string,
  ) {
    object.metadata!.managedFields = [...owners]
      .filter(([, owned]) => owned.size > 0)
      .map(([manager, owned]) => ({
        manager,
        operation: manager === applier ? 'Apply' : operation,
        apiVersion: object.apiVersion,
        time: this.#now(false),
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsV1Of(owned),
      }));
  }

  #ownersOf(id: string): Map<string, Set<string>> {
    let owners = this.#owners.get(id);
    if (owners === undefined) this.#owners.set(id, (owners = new Map()));
    return owners;
  }

  /** Deletes an object and, when cascading, everything it owns (by uid), recursively. */
  #delete(id: string, cascade: boolean) {
    const object = this.#objects.get(id);
    this.#objects.delete(id);
    this.#owners.delete(id);
    this.#jobs.delete(id);
    if (!cascade || object === undefined) return;
    for (const [other, candidate] of [...this.#objects]) {
      const refs = (candidate.metadata?.ownerReferences ?? []) as Array<{ uid?: string }>;
      if (refs.some((ref) => ref.uid === object.metadata?.uid)) this.#delete(other, true);
    }
  }

  #log(res: ServerResponse, namespace: string, name: string, query: Record<string, string>) {
    const pod = this.#objects.get(key('pods', namespace, name));
    if (pod === undefined) return notFound(res, 'pods', name);
    const spec = pod.spec as { containers: Array<{ name: string }> };
    const container = query.container;
    if (container === undefined && spec.containers.length + 1 > 1) {
      return status(
        res,
        400,
        'BadRequest',
        `a container name must be specified for pod ${name}, choose one of: [${spec.containers.map((c) => c.name).join(' ')}] or one of the init containers: [${SIDECAR}]`,
      );
    }
    const statuses = (pod.status as { containerStatuses?: Array<Record<string, unknown>> })
      .containerStatuses;
    const state = statuses?.find((s) => s.name === container)?.state as
      Record<string, unknown> | undefined;
    if (state?.waiting !== undefined) {
      return status(
        res,
        400,
        'BadRequest',
        `container "${container}" in pod "${name}" is waiting to start: PodInitializing`,
      );
    }
    const text = (pod.metadata as { annotations?: Record<string, string> }).annotations?.[
      'stand-in/log'
    ];
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(text ?? '');
  }

  /** One step of every unfinished Job: a pod is created, starts, or terminates. */
  #tick() {
    for (const [id, run] of this.#jobs) {
      const job = this.#objects.get(id);
      if (job === undefined) continue;
      const jobStatus = job.status as Record<string, unknown> & {
        conditions?: unknown[];
        failed?: number;
        succeeded?: number;
      };
      if (jobStatus.conditions !== undefined) continue;
      const [, namespace, name] = id.split('/') as [string, string, string];
      const exitCodes = run.script.exitCodes ?? [0];
      const exitCode = exitCodes[Math.min(run.attempt, exitCodes.length - 1)]!;
      const logs = run.script.logs ?? [''];
      const podName = `${name}-try${run.attempt}`;
      const podId = key('pods', namespace, podName);
      const template = (job.spec as { template: { metadata: ApiObject['metadata']; spec: object } })
        .template;
      if (run.step === 0) {
        jobStatus.startTime ??= this.#now();
        jobStatus.active = 1;
        jobStatus.ready = 0;
        const pod: ApiObject = {
          metadata: {
            name: podName,
            labels: { ...template.metadata?.labels },
            annotations: { 'stand-in/log': logs[Math.min(run.attempt, logs.length - 1)]! },
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'Job',
                name,
                uid: job.metadata!.uid,
                controller: true,
              },
            ],
          },
          spec: structuredClone(template.spec),
          status: podStatus('Pending', { ready: false }, { waiting: 'PodInitializing' }),
        };
        this.#objects.set(
          podId,
          this.#finishCreate('pods', namespace, pod, 'kube-controller-manager'),
        );
        run.step = 1;
      } else if (run.step === 1) {
        if (run.script.sidecarReady === false) continue;
        const pod = this.#objects.get(podId)!;
        pod.status = podStatus('Running', { ready: true }, { running: true });
        pod.metadata!.resourceVersion = this.#nextResourceVersion();
        jobStatus.ready = 1;
        run.step = 2;
      } else {
        const pod = this.#objects.get(podId)!;
        pod.status = podStatus(
          exitCode === 0 ? 'Succeeded' : 'Failed',
          { ready: false },
          {
            exitCode,
          },
        );
        pod.metadata!.resourceVersion = this.#nextResourceVersion();
        jobStatus.active = 0;
        jobStatus.ready = 0;
        const backoffLimit = Number((job.spec as { backoffLimit?: number }).backoffLimit ?? 6);
        if (exitCode === 0) {
          jobStatus.succeeded = 1;
          jobStatus.completionTime = this.#now();
          jobStatus.conditions = [
            condition('SuccessCriteriaMet', 'CompletionsReached'),
            condition('Complete', 'CompletionsReached'),
          ];
        } else {
          jobStatus.failed = (jobStatus.failed ?? 0) + 1;
          if (jobStatus.failed > backoffLimit) {
            jobStatus.conditions = [
              condition('FailureTarget', 'BackoffLimitExceeded'),
              condition('Failed', 'BackoffLimitExceeded'),
            ];
          } else {
            run.attempt += 1;
          }
        }
        run.step = 0;
      }
      job.metadata!.resourceVersion = this.#nextResourceVersion();
    }
  }

  #nextResourceVersion(): string {
    this.#resourceVersion += 1;
    return String(this.#resourceVersion);
  }

  /** RFC 3339 with second resolution, as the API server writes timestamps. */
  #now(advance = true): string {
    if (advance) this.#clock += 1000;
    return new Date(this.#clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

function podStatus(
  phase: string,
  sidecar: { ready: boolean },
  datakit: { waiting?: string; running?: boolean; exitCode?: number },
) {
  const sidecarStarted = phase === 'Running';
  return {
    phase,
    initContainerStatuses: [
      {
        name: SIDECAR,
        image: 'sidecar',
        imageID: 'sidecar',
        ready: sidecar.ready,
        restartCount: 0,
        started: sidecarStarted,
        state:
          phase === 'Pending' ? { running: { startedAt: 'x' } } : { terminated: { exitCode: 0 } },
      },
    ],
    containerStatuses: [
      {
        name: 'datakit',
        image: 'datakit',
        imageID: 'datakit',
        ready: datakit.running === true,
        restartCount: 0,
        started: datakit.running === true,
        state:
          datakit.waiting !== undefined
            ? { waiting: { reason: datakit.waiting } }
            : datakit.running
              ? { running: { startedAt: 'x' } }
              : {
                  terminated: {
                    exitCode: datakit.exitCode,
                    reason: datakit.exitCode === 0 ? 'Completed' : 'Error',
                  },
                },
      },
    ],
  };
}

function condition(type: string, reason: string) {
  return { type, status: 'True', reason, lastTransitionTime: 'x', lastProbeTime: 'x' };
}

/** Defaults kube-apiserver fills in, for the fields the driver reads back or sends again. */
function applyDefaults(resource: Resource, object: ApiObject) {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (resource === 'cronjobs' && spec !== undefined) {
    spec.suspend ??= false;
    spec.concurrencyPolicy ??= 'Allow';
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jobTemplate = spec.jobTemplate as { spec?: Record<string, unknown> } | undefined;
    if (jobTemplate?.spec !== undefined) defaultJobSpec(jobTemplate.spec);
  }
  if (resource === 'jobs' && spec !== undefined) defaultJobSpec(spec);
  if (resource === 'pods' && spec !== undefined) defaultPodSpec(spec);
}

function defaultJobSpec(spec: Record<string, unknown>) {
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  const template = spec.template as { spec?: Record<string, unknown> } | undefined;
  if (template?.spec !== undefined) defaultPodSpec(template.spec);
}

function defaultPodSpec(spec: Record<string, unknown>) {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const list of ['containers', 'initContainers'] as const) {
    for (const container of (spec[list] ?? []) as Array<Record<string, unknown>>) {
      container.terminationMessagePath ??= '/dev/termination-log';
      container.terminationMessagePolicy ??= 'File';
      container.imagePullPolicy ??= String(container.image).includes('@')
        ? 'IfNotPresent'
        : 'Always';
      container.resources ??= {};
    }
  }
}

/** The first problem kube-apiserver's validation would report, as field and message. */
function validate(
  resource: Resource,
  namespace: string,
  name: string,
  object: ApiObject,
): { field: string; message: string } | undefined {
  const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (!dns1123.test(name) || name.length > 253) {
    return {
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    };
  }
  if (resource === 'cronjobs' && name.length > 52) {
    return {
      field: 'metadata.name',
      message: `Invalid value: "${name}": must be no more than 52 characters`,
    };
  }
  if (object.metadata?.namespace !== undefined && object.metadata.namespace !== namespace) {
    return {
      field: 'metadata.namespace',
      message: `Invalid value: "${object.metadata.namespace}": does not match the namespace of the request`,
    };
  }
  for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
    if (value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
      return {
        field: `metadata.labels`,
        message: `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (label ${label}, at most 63 characters)`,
      };
    }
  }
  for (const ref of (object.metadata?.ownerReferences ?? []) as Array<{ uid?: string }>) {
    if (!ref.uid) {
      return {
        field: 'metadata.ownerReferences.uid',
        message: 'Invalid value: "": uid must not be empty',
      };
    }
  }
  const schedule = (object.spec as { schedule?: unknown } | undefined)?.schedule;
  if (resource === 'cronjobs' && !validCron(String(schedule))) {
    return {
      field: 'spec.schedule',
      message: `Invalid value: "${String(schedule)}": unparseable cron expression`,
    };
  }
  return undefined;
}

function validCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  const ranges: Array<[number, number]> = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  return fields.every((field, index) =>
    field.split(',').every((part) => {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part) ?? /^[A-Za-z]{3}$/.exec(part);
      if (m === null) return false;
      const [low, high] = ranges[index]!;
      return [m[2], m[3]].every((n) => n === undefined || (Number(n) >= low && Number(n) <= high));
    }),
  );
}

/** Field paths of `value` that the typed model of `type` does not declare. */
function unknownFields(value: unknown, type: string, path = ''): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    return Object.entries(value as object).flatMap(([k, v]) =>
      unknownFields(v, map[1]!, `${path}.${k}`),
    );
  }
  const model = (models as unknown as Record<string, unknown>)[type] as
    { getAttributeTypeMap?: () => Array<{ baseName: string; type: string }> } | undefined;
  if (model?.getAttributeTypeMap === undefined || typeof value !== 'object') return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value as object).flatMap(([k, v]) => {
    const attribute = attributes.find((a) => a.baseName === k);
    const at = path === '' ? k : `${path}.${k}`;
    return attribute === undefined ? [at] : unknownFields(v, attribute.type, at);
  });
}

/** Paths of the leaves of an object: scalars, arrays (atomic) and empty objects. Keys may hold dots. */
function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return prefix.length === 0 ? [] : [JSON.stringify(prefix)];
  }
  const entries = Object.entries(value as object);
  if (entries.length === 0) return prefix.length === 0 ? [] : [JSON.stringify(prefix)];
  return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

function getPath(object: unknown, path: string): unknown {
  let current = object;
  for (const segment of segments(path)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function setPath(object: Record<string, unknown>, path: string, value: unknown) {
  const parts = segments(path);
  let current = object;
  for (const segment of parts.slice(0, -1)) {
    const next = current[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[parts.at(-1)!] = value;
}

function deletePath(object: Record<string, unknown>, path: string) {
  const parts = segments(path);
  const parents: Array<Record<string, unknown>> = [];
  let current: unknown = object;
  for (const segment of parts.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return;
    parents.push(current as Record<string, unknown>);
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === null || typeof current !== 'object') return;
  delete (current as Record<string, unknown>)[parts.at(-1)!];
}

/** A leaf path is a JSON array of keys (from leafPaths), or a dotted path (from unknownFields). */
function segments(path: string): string[] {
  return path.startsWith('[') ? (JSON.parse(path) as string[]) : path.split('.');
}

/** managedFields' FieldsV1 notation (`f:` per key) of a set of leaf paths. */
function fieldsV1Of(paths: Set<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const segment of segments(path)) {
      node = (node[`f:${segment}`] ??= {}) as Record<string, unknown>;
    }
  }
  return root;
}

function withoutBookkeeping(object: ApiObject): unknown {
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    ...metadata
  } = object.metadata ?? {};
  return { ...object, metadata };
}

/** A label selector as a predicate over labels, or an error kube-apiserver would give. */
export function parseSelector(selector: string): (labels: Record<string, string>) => boolean {
  const requirements: Array<(labels: Record<string, string>) => boolean> = [];
  const parts = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  const keyPattern =
    /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
  for (const raw of parts) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    const checkKey = (k: string) => {
      if (!keyPattern.test(k))
        throw new Error(`unable to parse requirement: invalid label key "${k}"`);
      return k;
    };
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part)) !== null) {
      const k = checkKey(m[1]!);
      const values = new Set(m[3]!.split(',').map((v) => v.trim()));
      const negate = m[2] === 'notin';
      requirements.push((labels) =>
        negate ? !(k in labels) || !values.has(labels[k]!) : k in labels && values.has(labels[k]!),
      );
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*([^=\s]*)$/.exec(part)) !== null) {
      const k = checkKey(m[1]!);
      const value = m[3]!;
      const negate = m[2] === '!=';
      requirements.push((labels) => (negate ? labels[k] !== value : labels[k] === value));
    } else if ((m = /^!\s*(\S+)$/.exec(part)) !== null) {
      const k = checkKey(m[1]!);
      requirements.push((labels) => !(k in labels));
    } else if (part !== '' && /^\S+$/.test(part)) {
      const k = checkKey(part);
      requirements.push((labels) => k in labels);
    } else {
      throw new Error(`unable to parse requirement: found '${part}', expected: identifier`);
    }
  }
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function verbOf(method: string, name: string | undefined): string {
  if (method === 'GET') return name === undefined ? 'list' : 'get';
  return { POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[method] ?? method;
}

function reasonOf(code: number): string {
  return (
    {
      400: 'BadRequest',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'NotFound',
      409: 'Conflict',
      422: 'Invalid',
      429: 'TooManyRequests',
      500: 'InternalError',
      503: 'ServiceUnavailable',
      504: 'Timeout',
    }[code] ?? 'Unknown'
  );
}

function key(resource: Resource, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

function json(res: ServerResponse, code: number, body: unknown, warnings: string[] = []) {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  if (warnings.length > 0) headers.warning = warnings;
  res.writeHead(code, headers);
  res.end(JSON.stringify(body));
}

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
) {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  });
}

function notFound(res: ServerResponse, resource: Resource, name: string) {
  const { group } = RESOURCES[resource];
  status(res, 404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });
}

function conflict(res: ServerResponse, resource: Resource, name: string) {
  const { group } = RESOURCES[resource];
  status(
    res,
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
}

function invalidStatus(
  res: ServerResponse,
  kind: string,
  name: string,
  problem: { field: string; message: string },
) {
  const group = kind === 'ConfigMap' || kind === 'Pod' ? '' : '.batch';
  status(
    res,
    422,
    'Invalid',
    `${kind}${group} "${name}" is invalid: ${problem.field}: ${problem.message}`,
    {
      name,
      kind: kind.toLowerCase() + 's',
      causes: [{ reason: 'FieldValueInvalid', message: problem.message, field: problem.field }],
    },
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
