import type {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  V1ConfigMap,
  V1CronJob,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import { DatakitError, ExitCode } from '@datakit/errors';
import { FIELD_MANAGER } from './config.ts';
import { k8s } from './_k8s-module.ts';
import type { Manifest } from './render.ts';

/**
 * A Kubernetes API call failed: names the request, and the API's status and message. Its exit
 * code says who can fix it (see the README): 5 when the environment lacks something (the cluster
 * does not answer, credentials rejected, RBAC refuses, the namespace does not exist), 2 when the
 * API refuses what warehouse.yaml made us send (400, 422), 1 otherwise (409, 5xx, ...).
 */
export class KubernetesError extends DatakitError {
  /** The HTTP status the API server answered with, if it answered. */
  readonly status: number | undefined;
  override readonly exitCode: ExitCode;

  constructor(
    message: string,
    status?: number,
    options: { cause?: unknown; hint?: string; exitCode?: ExitCode } = {},
  ) {
    super(message, options);
    this.status = status;
    this.exitCode = options.exitCode ?? ExitCode.Failure;
  }
}

/** How to reach the cluster. */
export interface KubernetesClientOptions {
  /** A loaded kubeconfig; default: `KUBECONFIG` or ~/.kube/config, as kubectl reads it. */
  kubeConfig?: KubeConfig;
  /** The kubeconfig context; default its current one. */
  context?: string;
}

/**
 * The only place that talks to the Kubernetes API (through @kubernetes/client-node): server-side
 * apply, list, read, create, delete, logs. Every failure becomes a {@link KubernetesError}.
 */
export class KubernetesClient {
  readonly #batch: BatchV1Api;
  readonly #core: CoreV1Api;
  /** The API server URL, for error messages. */
  readonly server: string;

  constructor(options: KubernetesClientOptions = {}) {
    const kubeConfig = options.kubeConfig ?? loadDefaultKubeConfig();
    if (options.context !== undefined) kubeConfig.setCurrentContext(options.context);
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
    this.#batch = kubeConfig.makeApiClient(k8s().BatchV1Api);
    this.#core = kubeConfig.makeApiClient(k8s().CoreV1Api);
  }

  /**
   * Server-side apply of one object (PATCH, `application/apply-patch+yaml`, field manager
   * `datakit`, `force=true` so fields another manager took are taken back). Returns the object
   * as the server has it after the apply (or would have it, with `dryRun`).
   */
  async apply(manifest: Manifest, dryRun: boolean): Promise<Manifest> {
    const params = {
      name: manifest.metadata!.name!,
      namespace: manifest.metadata!.namespace!,
      body: manifest,
      fieldManager: FIELD_MANAGER,
      force: true,
      fieldValidation: 'Strict',
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    const contentType = k8s().setHeaderOptions('Content-Type', k8s().PatchStrategy.ServerSideApply);
    return this.#call<Manifest>(`apply ${manifest.kind}/${params.name}`, () =>
      manifest.kind === 'CronJob'
        ? this.#batch.patchNamespacedCronJob(params, contentType)
        : this.#core.patchNamespacedConfigMap(params, contentType),
    );
  }

  async listCronJobs(namespace: string, labelSelector: string): Promise<V1CronJob[]> {
    const list = await this.#call(`list CronJobs in ${namespace}`, () =>
      this.#batch.listNamespacedCronJob({ namespace, labelSelector }),
    );
    return list.items;
  }

  async listConfigMaps(namespace: string, labelSelector: string): Promise<V1ConfigMap[]> {
    const list = await this.#call(`list ConfigMaps in ${namespace}`, () =>
      this.#core.listNamespacedConfigMap({ namespace, labelSelector }),
    );
    return list.items;
  }

  async listJobs(namespace: string, labelSelector: string): Promise<V1Job[]> {
    const list = await this.#call(`list Jobs in ${namespace}`, () =>
      this.#batch.listNamespacedJob({ namespace, labelSelector }),
    );
    return list.items;
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.#call(`list Pods in ${namespace}`, () =>
      this.#core.listNamespacedPod({ namespace, labelSelector }),
    );
    return list.items;
  }

  /** The CronJob, or undefined when there is none of that name. */
  async readCronJob(namespace: string, name: string): Promise<V1CronJob | undefined> {
    try {
      return await this.#batch.readNamespacedCronJob({ namespace, name });
    } catch (error) {
      if (error instanceof k8s().ApiException && error.code === 404) return undefined;
      throw this.#error(`read CronJob/${name} in ${namespace}`, error);
    }
  }

  async readJob(namespace: string, name: string): Promise<V1Job> {
    return this.#call(`read Job/${name} in ${namespace}`, () =>
      this.#batch.readNamespacedJob({ namespace, name }),
    );
  }

  async createJob(namespace: string, job: V1Job): Promise<V1Job> {
    return this.#call(`create Job/${job.metadata?.name ?? ''} in ${namespace}`, () =>
      this.#batch.createNamespacedJob({ namespace, body: job, fieldManager: FIELD_MANAGER }),
    );
  }

  /** Deletes a CronJob (its Jobs and pods follow in the background) or a ConfigMap. */
  async delete(
    kind: 'CronJob' | 'ConfigMap' | 'Job',
    namespace: string,
    name: string,
    dryRun: boolean,
  ): Promise<void> {
    const params = {
      namespace,
      name,
      propagationPolicy: 'Background',
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    await this.#call(`delete ${kind}/${name} in ${namespace}`, () =>
      kind === 'CronJob'
        ? this.#batch.deleteNamespacedCronJob(params)
        : kind === 'Job'
          ? this.#batch.deleteNamespacedJob(params)
          : this.#core.deleteNamespacedConfigMap(params),
    );
  }

  /** The last lines a container printed (all of them without `tailLines`). */
  async podLog(
    namespace: string,
    pod: string,
    container: string,
    tailLines?: number,
  ): Promise<string> {
    return this.#call(`read the log of ${pod}/${container} in ${namespace}`, () =>
      this.#core.readNamespacedPodLog({
        namespace,
        name: pod,
        container,
        ...(tailLines === undefined ? {} : { tailLines }),
      }),
    );
  }

  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#error(what, error);
    }
  }

  #error(what: string, error: unknown): KubernetesError {
    if (error instanceof k8s().ApiException) {
      const status = error.code;
      const body = statusOf(error.body, status);
      const { exitCode, hint } = adviceFor(status, body);
      return new KubernetesError(
        `Kubernetes refused to ${what} (HTTP ${status}): ${body.message}`,
        status,
        { cause: error, hint, exitCode },
      );
    }
    const cause = (error as Error).cause as { code?: unknown; message?: unknown } | undefined;
    const detail = [cause?.code, cause?.message].filter((part) => typeof part === 'string');
    return new KubernetesError(
      `Could not ${what} at ${this.server}: ${(error as Error).message}${detail.length > 0 ? ` (${detail.join(': ')})` : ''}.`,
      undefined,
      {
        cause: error,
        hint: 'Check that the cluster is reachable with `kubectl cluster-info`, then run the command again.',
        exitCode: ExitCode.Environment,
      },
    );
  }
}

const RBAC_HINT =
  'Check the RBAC of the kubeconfig user: datakit needs get, list, patch, create and delete on cronjobs, jobs and configmaps, and get/list on pods and pods/log in the namespace.';

/** The exit code and hint of an API server refusal, from its status and Status body. */
function adviceFor(status: number, body: ApiStatus): { exitCode: ExitCode; hint: string } {
  if (status === 401) {
    return {
      exitCode: ExitCode.Environment,
      hint: 'The API server did not accept the kubeconfig credentials (expired token or certificate?): check `kubectl auth whoami`, and log in again.',
    };
  }
  if (status === 403) return { exitCode: ExitCode.Environment, hint: RBAC_HINT };
  if (status === 404 && body.details?.kind === 'namespaces') {
    return {
      exitCode: ExitCode.Environment,
      hint: `Create the namespace (\`kubectl create namespace ${body.details.name ?? ''}\`) or correct the environment's namespace in warehouse.yaml.`,
    };
  }
  if (status === 400 || status === 422) {
    return {
      exitCode: ExitCode.Config,
      hint: 'The API server refused a value from warehouse.yaml or the lock: correct it there; `datakit render` shows the manifests as they are sent.',
    };
  }
  if (status === 409) {
    return {
      exitCode: ExitCode.Failure,
      hint: 'Another client changed or created the object at the same moment: run the command again.',
    };
  }
  return {
    exitCode: ExitCode.Failure,
    hint:
      status >= 500 || status === 429
        ? 'The API server failed or is overloaded: run the command again; `kubectl get --raw /readyz?verbose` shows its health.'
        : 'Run the command again with DATAKIT_DEBUG=1 to see the whole answer.',
  };
}

function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new (k8s().KubeConfig)();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

/**
 * A kubeconfig for one API server URL and bearer token. An `http://` URL (tests against a local
 * stand-in) needs `skipTLSVerify`, which @kubernetes/client-node 2 demands for plain HTTP.
 */
export function kubeConfigFor(server: string, token: string): KubeConfig {
  const kubeConfig = new (k8s().KubeConfig)();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'datakit', server, skipTLSVerify: server.startsWith('http://') }],
    users: [{ name: 'datakit', token }],
    contexts: [{ name: 'datakit', cluster: 'datakit', user: 'datakit', namespace: 'default' }],
    currentContext: 'datakit',
  });
  return kubeConfig;
}

/** What the driver reads of a Kubernetes Status body. */
interface ApiStatus {
  message: string;
  details?: { name?: string; kind?: string };
}

/** A Kubernetes Status body (which client-node hands over as text or object). */
function statusOf(body: unknown, status: number): ApiStatus {
  // client-node drops the body of a 401 (and of other statuses its spec lists without a schema).
  if (body === undefined || body === '') return { message: statusText(status) };
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return { message: body };
    }
  }
  const record = (parsed ?? {}) as { message?: unknown; details?: ApiStatus['details'] };
  return {
    message: typeof record.message === 'string' ? record.message : JSON.stringify(parsed),
    details: typeof record.details === 'object' ? record.details : undefined,
  };
}

/**
 * The reason phrase of an HTTP status. node:http is read on first use: an ES import of it
 * builds its facade at start-up, which loads Node's bundled undici (about 30 ms of every CLI
 * command's start).
 */
function statusText(status: number): string {
  return process.getBuiltinModule('node:http').STATUS_CODES[status] ?? 'no message';
}
