import { mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import pg from 'pg';
import type { DockerEngine, EnsureOutcome } from '@datakit/docker';
import { buildContextDigest, DockerEngine as Engine } from '@datakit/docker';
import { EnvironmentError } from '@datakit/errors';
import { ensureBaseImages, type BaseImageSource, type Report } from './ensure-base-images.ts';
import { ensureEngine, startedDockerdPid, stopStartedEngine } from './ensure-engine.ts';
import { infraPaths, type InfraPaths } from './paths.ts';
import { realMachine, type MachineProbes } from './probes.ts';
import { ensureLocalSources } from './sources.ts';
import { ensureRegistryAuth, trustRegistryCa } from './registry-auth.ts';
import {
  ensureDatakitSecrets,
  ensurePostgresKeytab,
  ensurePostgresSecrets,
  readPostgresPassword,
} from './secrets.ts';
import {
  CONTEXT_HASH_LABEL,
  INFRA_LABEL,
  SERVICE_LABEL,
  serviceDefinitions,
  tcpOpen,
  type ServiceDefinition,
  type ServiceName,
} from './services.ts';

/** What `infraUp` did, step by step. */
export interface InfraUpResult {
  engine: { version: string; started: boolean };
  baseImages: Record<'debian' | 'node', BaseImageSource>;
  services: Record<ServiceName, { image: 'built' | 'unchanged'; container: EnsureOutcome }>;
}

/** Options of `infraUp`. */
export interface InfraUpOptions {
  /** One line per step, for a person. */
  report?: Report;
  probes?: MachineProbes;
  paths?: InfraPaths;
}

/**
 * Brings the local infrastructure up, idempotently: the Docker engine, the base images, and
 * the registry, PostgreSQL and KDC containers on host networking. A second call changes nothing
 * and returns in a few seconds.
 */
export async function infraUp(options: InfraUpOptions = {}): Promise<InfraUpResult> {
  const report = options.report ?? (() => undefined);
  const probes = options.probes ?? realMachine;
  const paths = options.paths ?? infraPaths();
  mkdirSync(paths.stateDir, { recursive: true });
  mkdirSync(paths.kerberosDir, { recursive: true, mode: 0o700 });
  ensurePostgresSecrets(paths.postgresSecretsDir);

  const { engine, version, started } = await ensureEngine(paths.stateDir, probes);
  report(
    started ? `docker engine ${version}: started dockerd` : `docker engine ${version}: answering`,
  );
  const baseImages = await ensureBaseImages(engine, paths.root, probes, report);
  report(`base images: debian ${baseImages.debian}, node ${baseImages.node}`);

  const services = {} as InfraUpResult['services'];
  for (const service of serviceDefinitions(paths)) {
    const image = await ensureServiceImage(engine, service, report);
    if (
      service.name === 'registry-basic' &&
      (await ensureRegistryAuth(paths, () => registryUid(engine, service.image)))
    ) {
      report('registries: CA, TLS certificate, htpasswd and token signer generated');
    }
    if (service.name === 'registry-basic') {
      const trusted = trustRegistryCa(paths, `127.0.0.1:${service.port}`);
      if (trusted === true) {
        report(
          `registry-basic: CA written to /etc/docker/certs.d/127.0.0.1:${service.port}/ca.crt`,
        );
      } else if (trusted === 'not-root') {
        report('registry-basic: not root, so the Docker engine will not trust its CA (deploy)');
      }
    }
    await checkPort(engine, service, probes);
    for (const volume of service.volumes) {
      await engine.ensureVolume(volume, { [INFRA_LABEL]: 'true', [SERVICE_LABEL]: service.name });
    }
    const container = await engine.ensureContainer(service.container);
    report(`${service.name}: image ${image}, container ${container}`);
    services[service.name] = { image, container };
  }
  for (const service of serviceDefinitions(paths)) {
    await waitReady(engine, service, paths);
    report(`${service.name}: ready on 127.0.0.1:${service.port}`);
  }
  if (ensurePostgresKeytab(paths.kerberosDir, paths.postgresSecretsDir)) {
    report('postgres: service key of postgres/localhost handed over for GSSAPI logins');
  }
  ensureDatakitSecrets(paths.postgresSecretsDir, paths.kerberosDir, paths.datakitSecretsDir);
  for (const [database, outcome] of Object.entries(await ensureLocalSources(engine, paths))) {
    if (outcome === 'created') report(`postgres: source database ${database} loaded again`);
  }
  return { engine: { version, started }, baseImages, services };
}

/** What `infraDown` removed. */
export interface InfraDownResult {
  containers: string[];
  volumes: string[];
  stoppedEngine: boolean;
}

/**
 * Removes every container of the local infrastructure, its volumes when asked, and stops the
 * Docker engine if `infraUp` started it. Images stay, so the next `up` is quick.
 */
export async function infraDown(
  options: { removeVolumes?: boolean; paths?: InfraPaths } = {},
): Promise<InfraDownResult> {
  const paths = options.paths ?? infraPaths();
  const engine = new Engine();
  const result: InfraDownResult = { containers: [], volumes: [], stoppedEngine: false };
  if (await engine.ping()) {
    for (const container of await engine.listContainers({ [INFRA_LABEL]: 'true' })) {
      await engine.removeContainer(container.id);
      result.containers.push(container.name);
    }
    if (options.removeVolumes) {
      for (const volume of await engine.listVolumes({ [INFRA_LABEL]: 'true' })) {
        await engine.removeVolume(volume);
        result.volumes.push(volume);
      }
    }
  }
  result.stoppedEngine = await stopStartedEngine(paths.stateDir);
  return result;
}

/** The state of one service as `infraStatus` sees it. */
export interface ServiceStatus {
  name: ServiceName;
  container: string;
  /** Docker's state of the container (`running`, `exited`, ...) or `missing`. */
  state: string;
  /** True when the service answers on its port. */
  answering: boolean;
  port: number;
}

/** The state of the local infrastructure, without changing anything. */
export interface InfraStatus {
  engine: { answering: boolean; version?: string; startedByUs: boolean; endpoint: string };
  services: ServiceStatus[];
}

/** Reports what runs, without changing anything. */
export async function infraStatus(paths: InfraPaths = infraPaths()): Promise<InfraStatus> {
  const engine = new Engine();
  const answering = await engine.ping();
  const startedByUs = startedDockerdPid(paths.stateDir) !== undefined;
  const status: InfraStatus = {
    engine: { answering, startedByUs, endpoint: engine.endpoint },
    services: [],
  };
  if (answering) status.engine.version = (await engine.version()).version;
  const containers = answering ? await engine.listContainers({ [INFRA_LABEL]: 'true' }) : [];
  for (const service of serviceDefinitions(paths)) {
    const container = containers.find((c) => c.name === service.container.name);
    status.services.push({
      name: service.name,
      container: service.container.name,
      state: container?.state ?? 'missing',
      answering: container?.state === 'running' && (await tcpOpen(service.port)),
      port: service.port,
    });
  }
  return status;
}

/** The uid of the registry's user in its image (Debian's package picks it). */
async function registryUid(engine: DockerEngine, image: string): Promise<number> {
  const result = await engine.runContainer({
    image,
    entrypoint: ['id', '-u'],
    networkMode: 'none',
  });
  const uid = Number(result.stdout.trim());
  if (result.exitCode !== 0 || !Number.isInteger(uid)) {
    throw new EnvironmentError(`Cannot tell the uid of the registry's user in ${image}.`, {
      hint: result.stderr.trim() || undefined,
    });
  }
  return uid;
}

async function ensureServiceImage(
  engine: DockerEngine,
  service: ServiceDefinition,
  report: Report,
): Promise<'built' | 'unchanged'> {
  const base = await engine.imageInfo('debian:bookworm-slim');
  const hash = buildContextDigest(service.contextDir, base?.id ?? 'none');
  const existing = await engine.imageInfo(service.image);
  if (existing?.labels[CONTEXT_HASH_LABEL] === hash) return 'unchanged';
  report(`${service.name}: building ${service.image} from ${service.contextDir}`);
  await engine.buildImage({
    context: service.contextDir,
    tags: [service.image],
    labels: { [CONTEXT_HASH_LABEL]: hash, [INFRA_LABEL]: 'true' },
  });
  return 'built';
}

async function checkPort(
  engine: DockerEngine,
  service: ServiceDefinition,
  probes: MachineProbes,
): Promise<void> {
  const ours = await engine.listContainers({
    [INFRA_LABEL]: 'true',
    [SERVICE_LABEL]: service.name,
  });
  if (ours.some((container) => container.state === 'running')) return;
  const holder = await probes.portHolder(service.port);
  if (holder !== undefined) throw portTakenError(service, holder);
}

/** The error for a service whose loopback port something else holds. */
export function portTakenError(
  service: Pick<ServiceDefinition, 'name' | 'port'>,
  holder: string,
): EnvironmentError {
  return new EnvironmentError(
    `Port ${service.port} on 127.0.0.1 is taken by ${holder}, so the ${service.name} service cannot start.`,
    {
      hint:
        service.name === 'postgres'
          ? 'Stop that server (e.g. `pg_ctlcluster 15 main stop` or `systemctl stop postgresql`) and run `npm run infra:up` again.'
          : `Stop that process (\`ss -ltnp 'sport = :${service.port}'\` shows it) and run \`npm run infra:up\` again.`,
    },
  );
}

async function waitReady(
  engine: DockerEngine,
  service: ServiceDefinition,
  paths: InfraPaths,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last = 'not answering yet';
  while (Date.now() < deadline) {
    const [container] = await engine.listContainers({
      [INFRA_LABEL]: 'true',
      [SERVICE_LABEL]: service.name,
    });
    if (container && container.state !== 'running' && container.state !== 'created') {
      const logs = await engine.containerLogs(container.id, 20);
      throw new EnvironmentError(`The ${service.name} container stopped (${container.state}).`, {
        hint: `Its last output:\n${logs.trim()}`,
      });
    }
    try {
      last = await probe(service, paths);
      if (last === 'ready') return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new EnvironmentError(
    `The ${service.name} service did not become ready within 3 minutes: ${last}.`,
    {
      hint: `Read its output with \`docker logs ${service.container.name}\`.`,
    },
  );
}

async function probe(service: ServiceDefinition, paths: InfraPaths): Promise<string> {
  switch (service.name) {
    case 'registry': {
      const response = await fetch(`http://127.0.0.1:${service.port}/v2/`);
      return response.status === 200 ? 'ready' : `GET /v2/ answered ${response.status}`;
    }
    case 'registry-basic':
    case 'registry-token': {
      // Ready when it asks for credentials: 401 on /v2/ (over TLS with the local CA on 5001).
      const status = await v2Status(service, paths);
      return status === 401 ? 'ready' : `GET /v2/ answered ${status}`;
    }
    case 'postgres': {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: service.port,
        user: 'pagila_reader',
        database: 'pagila',
        password: readPostgresPassword(paths.postgresSecretsDir, 'pagila_reader'),
      });
      try {
        await client.connect();
        await client.query('select count(*) from film');
        return 'ready';
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    case 'kdc':
      return (await tcpOpen(service.port)) ? 'ready' : 'port 88 not answering yet';
    default: {
      const never: never = service.name;
      throw new Error(`unknown service ${String(never)}`);
    }
  }
}

/** The status of `GET /v2/` on an authenticated registry (TLS verified against the local CA). */
function v2Status(service: ServiceDefinition, paths: InfraPaths): Promise<number> {
  const tls = service.name === 'registry-basic';
  return new Promise((resolve, reject) => {
    const request = (tls ? httpsRequest : httpRequest)(
      {
        host: '127.0.0.1',
        port: service.port,
        path: '/v2/',
        ...(tls ? { ca: readFileSync(join(paths.registryAuthDir, 'ca.crt')) } : {}),
        timeout: 2000,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.once('timeout', () => request.destroy(new Error('no answer within 2 s')));
    request.once('error', reject);
    request.end();
  });
}
