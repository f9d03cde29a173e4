import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  STAGED_SUFFIX,
  type DockerEngine,
  type PullAuth,
  type StagedContainer,
} from '@datakit/docker';
import { ConfigError, DatakitError, EnvironmentError } from '@datakit/errors';
import { CONTAINER_PATHS } from '@datakit/warehouse';
import { DEPLOY_LABELS, type DesiredState } from '../../desired-state.ts';
import type { ApplyResult, DeployDriver, DeployStatus, RunJobOptions } from '../../driver.ts';
import { planChanges, type ActualJob, type DeployPlan } from '../../plan.ts';
import { checkHostPaths } from './check-host-paths.ts';
import {
  SCHEDULE_LABEL,
  SPEC_LABEL,
  configFile,
  configJson,
  dockerNames,
  environmentSelector,
  hostPaths,
  jobSpec,
  jobSpecHash,
  sidecarSpec,
} from './config.ts';

/**
 * The Docker driver: the warehouse's Kerberos sidecar as a long-running container, each pinned
 * datakit as a created job container (by digest) that `datakit run` starts; the ticket cache in
 * a named volume shared read-only with the jobs; config files and secrets mounted as files.
 * Docker has no scheduler: schedules are recorded as labels and shown by status; Kubernetes
 * runs them.
 */
export class DockerDriver implements DeployDriver {
  readonly #engine: DockerEngine;
  readonly #pullAuth: (image: string) => Promise<PullAuth | undefined>;

  /**
   * `pullAuth` gives the credentials for pulling an image the engine lacks (from a private
   * registry); it is asked only when a pull is needed, and the engine keeps nothing.
   */
  constructor(
    engine: DockerEngine,
    options: { pullAuth?: (image: string) => Promise<PullAuth | undefined> } = {},
  ) {
    this.#engine = engine;
    this.#pullAuth = options.pullAuth ?? (() => Promise.resolve(undefined));
  }

  async plan(state: DesiredState): Promise<DeployPlan> {
    const actual = await this.#actualJobs(state.warehouse, state.environmentName);
    const byName = new Map(state.jobs.map((job) => [job.datakit, job]));
    const plan = planChanges(state, actual, (datakit) => jobSpecHash(state, byName.get(datakit)!));
    // The sidecar counts too: a changed image or principal is a change of every job's spec hash.
    return plan;
  }

  async apply(
    state: DesiredState,
    options: { dryRun?: boolean; onProgress?: (message: string) => void } = {},
  ): Promise<ApplyResult> {
    const say = options.onProgress ?? (() => undefined);
    const plan = await this.plan(state);
    if (options.dryRun) return { plan, applied: [], dryRun: true };
    const paths = hostPaths(state);
    const names = dockerNames(state.warehouse, state.environmentName);
    const applied: string[] = [];
    // Everything that can be checked is checked before anything is created.
    checkHostPaths(state, paths);
    await this.#checkNetwork(state);
    const sidecarContainer = sidecarSpec(state, paths);
    const jobContainers = new Map(
      state.jobs.map((job) => [job.datakit, jobSpec(state, job, paths)] as const),
    );
    // Every image is pulled first: one that cannot be pulled leaves nothing half-created.
    if (sidecarContainer) await this.#ensureImage(sidecarContainer.image, say);
    for (const change of plan.changes) {
      const job = state.jobs.find((j) => j.datakit === change.datakit);
      if (change.action !== 'remove' && job) await this.#ensureImage(job.image, say);
    }

    // Phase 1: every new or changed container is created next to the one it replaces (which
    // keeps running); a failure removes what was created here and leaves the previous
    // deployment as it was.
    mkdirSync(paths.stateDir, { recursive: true });
    const staged: { name: string; container: StagedContainer; message: string }[] = [];
    const written: string[] = [];
    const volumeExisted =
      sidecarContainer === undefined ||
      (
        await this.#engine.listVolumes(environmentSelector(state.warehouse, state.environmentName))
      ).includes(names.ticketVolume);
    try {
      if (sidecarContainer) {
        await this.#engine.ensureVolume(
          names.ticketVolume,
          environmentSelector(state.warehouse, state.environmentName),
        );
        const sidecar = await this.#engine.stageContainer(sidecarContainer);
        staged.push({
          name: names.sidecar,
          container: sidecar,
          message: `sidecar ${names.sidecar}: ${sidecar.outcome}`,
        });
      }
      for (const change of plan.changes) {
        const job = state.jobs.find((j) => j.datakit === change.datakit);
        if (change.action === 'remove' || !job) continue;
        const file = configFile(paths, job);
        if (!existsSync(file)) {
          writeFileSync(file, configJson(job), { mode: 0o644 });
          written.push(file);
        }
        const container = await this.#engine.stageContainer(jobContainers.get(job.datakit)!, {
          start: false,
        });
        staged.push({
          name: names.job(job.datakit),
          container,
          message: `${job.datakit}: ${container.outcome} at ${job.version} (${job.digest.slice(0, 19)})`,
        });
      }
    } catch (error) {
      for (const { container } of staged) await container.discard().catch(() => undefined);
      for (const file of written) rmSync(file, { force: true });
      if (!volumeExisted)
        await this.#engine.removeVolume(names.ticketVolume).catch(() => undefined);
      throw error;
    }
    // Phase 2: the swap, and the pins no longer in the lock go.
    for (const { name, container, message } of staged) {
      await container.commit();
      if (container.outcome !== 'unchanged') {
        applied.push(`container/${name}`);
        say(message);
      }
    }
    for (const change of plan.changes) {
      if (change.action !== 'remove' && state.jobs.some((j) => j.datakit === change.datakit))
        continue;
      const name = names.job(change.datakit);
      await this.#engine.removeContainer(name);
      applied.push(`container/${name}`);
      say(`${change.datakit}: removed (was ${change.from?.version})`);
    }
    removeStaleConfigFiles(
      paths.stateDir,
      state.jobs.map((job) => configFile(paths, job)),
    );
    // A warehouse that dropped its kerberos block: its sidecar and ticket cache go too, once
    // no job container uses the volume any more.
    if (!sidecarContainer) await this.#removeKerberos(state, applied, say);
    return { plan, applied, dryRun: false };
  }

  async status(warehouse: string, environment: string): Promise<DeployStatus> {
    const names = dockerNames(warehouse, environment);
    const containers = await this.#engine.listContainers(
      environmentSelector(warehouse, environment),
    );
    const sidecar = containers.find((c) => c.name === names.sidecar);
    // A container staged by a deploy that was interrupted is not part of what runs.
    const jobs = containers.filter(
      (c) => c.labels[DEPLOY_LABELS.role] === 'datakit' && !c.name.endsWith(STAGED_SUFFIX),
    );
    const jobStatuses = [];
    for (const c of jobs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const state = await this.#engine.containerState(c.id);
      const ran = c.state === 'exited' || c.state === 'running';
      jobStatuses.push({
        datakit: c.labels[DEPLOY_LABELS.datakit] ?? c.name,
        version: c.labels[DEPLOY_LABELS.version] ?? '',
        digest: `sha256:${c.labels[DEPLOY_LABELS.digest] ?? ''}`,
        schedule: c.labels[SCHEDULE_LABEL],
        state:
          c.state === 'created'
            ? 'idle'
            : c.state === 'running'
              ? 'running'
              : state?.exitCode === 0
                ? 'succeeded'
                : 'failed',
        lastRun: ran ? { startedAt: undefined, exitCode: state?.exitCode } : undefined,
      });
    }
    return {
      warehouse,
      environment,
      lockRevision: (sidecar ?? jobs[0])?.labels[DEPLOY_LABELS.lockRevision],
      sidecar: sidecar
        ? {
            state: sidecar.state,
            ready: sidecar.state === 'running' ? await this.#ticketReady(sidecar.id) : false,
          }
        : undefined,
      jobs: jobStatuses,
    };
  }

  async logs(warehouse: string, environment: string, datakit: string, tail = 100): Promise<string> {
    const name = dockerNames(warehouse, environment).job(datakit);
    const [container] = (
      await this.#engine.listContainers(environmentSelector(warehouse, environment))
    ).filter((c) => c.name === name);
    if (!container) {
      throw new DatakitError(`${datakit} is not deployed to ${warehouse}/${environment}.`, {
        hint: `Deploy it with \`datakit deploy ${warehouse} --env ${environment}\`.`,
      });
    }
    return this.#engine.containerLogs(container.id, tail);
  }

  async runJob(state: DesiredState, datakit: string, options: RunJobOptions = {}): Promise<number> {
    const names = dockerNames(state.warehouse, state.environmentName);
    const job = state.jobs.find((j) => j.datakit === datakit);
    if (!job) {
      throw new DatakitError(
        `${datakit} is not pinned in ${state.warehouse}; it pins ${state.jobs.map((j) => j.datakit).join(', ')}.`,
      );
    }
    // The job's container and the sidecar's ticket are looked up at once (one round trip).
    const [containers, ticketReady] = await Promise.all([
      this.#engine.listContainers(environmentSelector(state.warehouse, state.environmentName)),
      state.sidecar ? this.#ticketReady(names.sidecar) : Promise.resolve(true),
    ]);
    const [deployed] = containers.filter((c) => c.name === names.job(datakit));
    if (!deployed) {
      throw new DatakitError(
        `${datakit} is not deployed to ${state.warehouse}/${state.environmentName}.`,
        {
          hint: `Deploy first: \`datakit deploy ${state.warehouse} --env ${state.environmentName}\`.`,
        },
      );
    }
    // A warehouse without Kerberos has no sidecar and its jobs wait for no ticket.
    if (!ticketReady) await this.#waitForTicket(state, options.ticketTimeoutSeconds ?? 60);
    options.onPhase?.('ticket');
    return this.#engine.startAndFollow(
      deployed.id,
      options.onStdout ?? (() => undefined),
      options.onStderr ?? (() => undefined),
      {
        onStarted: () => options.onPhase?.('started'),
        onExited: () => options.onPhase?.('exited'),
      },
    );
  }

  async #actualJobs(warehouse: string, environment: string): Promise<ActualJob[]> {
    const containers = await this.#engine.listContainers({
      ...environmentSelector(warehouse, environment),
      [DEPLOY_LABELS.role]: 'datakit',
    });
    return containers
      .filter((c) => !c.name.endsWith(STAGED_SUFFIX))
      .map((c) => ({
        datakit: c.labels[DEPLOY_LABELS.datakit] ?? c.name,
        version: c.labels[DEPLOY_LABELS.version] ?? '',
        digest: c.labels[DEPLOY_LABELS.digest] ?? '',
        lockRevision: c.labels[DEPLOY_LABELS.lockRevision] ?? '',
        schedule: c.labels[SCHEDULE_LABEL],
        specHash: c.labels[SPEC_LABEL] ?? '',
      }));
  }

  async #removeKerberos(
    state: DesiredState,
    applied: string[],
    say: (message: string) => void,
  ): Promise<void> {
    const names = dockerNames(state.warehouse, state.environmentName);
    const selector = environmentSelector(state.warehouse, state.environmentName);
    const [sidecar] = (await this.#engine.listContainers(selector)).filter(
      (c) => c.name === names.sidecar,
    );
    if (sidecar) {
      await this.#engine.removeContainer(sidecar.id);
      applied.push(`container/${names.sidecar}`);
      say(`sidecar ${names.sidecar}: removed (the warehouse has no kerberos block)`);
    }
    if ((await this.#engine.listVolumes(selector)).includes(names.ticketVolume)) {
      await this.#engine.removeVolume(names.ticketVolume);
      applied.push(`volume/${names.ticketVolume}`);
    }
  }

  /** The environment's network must exist: the engine creates containers on a missing one. */
  async #checkNetwork(state: DesiredState): Promise<void> {
    const network = state.environment.driver === 'docker' ? state.environment.network : 'host';
    if (network.startsWith('container:') || (await this.#engine.networkExists(network))) return;
    throw new ConfigError(
      `${join(state.dir, 'warehouse.yaml')}: field "environments.${state.environmentName}.network" is "${network}", a network this Docker engine does not have. Nothing was changed.`,
      { hint: `Create it (docker network create ${network}) or use "host".` },
    );
  }

  async #ensureImage(image: string, say: (message: string) => void): Promise<void> {
    if (await this.#engine.imageInfo(image)) return;
    say(`pulling ${image}`);
    await this.#engine.pullImage(image, undefined, await this.#pullAuth(image));
  }

  /**
   * The sidecar runs and holds a valid ticket: it writes its ready file (in the ticket volume)
   * while it does. Asked of the engine without starting a process in the container.
   */
  async #ticketReady(container: string): Promise<boolean> {
    const [sidecar, ready] = await Promise.all([
      this.#engine.containerState(container),
      this.#engine.pathExists(container, CONTAINER_PATHS.readyFile),
    ]);
    return (sidecar?.running ?? false) && ready;
  }

  /** A job starts only with a valid ticket; it fails clearly when none comes in time. */
  async #waitForTicket(state: DesiredState, timeoutSeconds: number): Promise<void> {
    const name = dockerNames(state.warehouse, state.environmentName).sidecar;
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (Date.now() < deadline) {
      if (await this.#ticketReady(name)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const logs = await this.#engine.containerLogs(name, 5).catch(() => '');
    throw new EnvironmentError(
      `The Kerberos sidecar ${name} has no valid ticket after ${timeoutSeconds} s, so the job was not started.`,
      {
        hint: logs.trim()
          ? `The sidecar's last lines:\n${logs.trim()}`
          : `Check it with \`docker logs ${name}\`.`,
      },
    );
  }
}

/** Job config files no pinned job reads any more (older configurations, removed pins). */
function removeStaleConfigFiles(stateDir: string, keep: readonly string[]): void {
  for (const entry of readdirSync(stateDir)) {
    const file = join(stateDir, entry);
    if (/\.config(\.[0-9a-f]{12})?\.json$/.test(entry) && !keep.includes(file)) {
      rmSync(file, { force: true });
    }
  }
}
