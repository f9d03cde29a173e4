import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { DockerError, EnvironmentError } from '@datakit/errors';
import { readProgress, type ProgressEvent } from './_progress.ts';

export type { ProgressEvent } from './_progress.ts';

/** Credentials for one pull: a username and password, or a registry bearer token. */
export type PullAuth = { username: string; password: string } | { token: string };

/** Where the engine listens; defaults to `DOCKER_HOST` or `/var/run/docker.sock`. */
export interface DockerConnectOptions {
  /** A unix socket path, e.g. `/var/run/docker.sock`. */
  socketPath?: string;
}

/** What `imageInfo` tells about a local image. */
export interface ImageInfo {
  /** The config digest (`sha256:...`): not the registry's manifest digest. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  created: string;
  size: number;
}

/** A build through the engine API. */
export interface BuildImageOptions {
  /** A folder (packed as the build context) or a ready tar stream. */
  context: string | Readable;
  /** Dockerfile path inside the context. Default `Dockerfile`. */
  dockerfile?: string;
  /** Every tag to give the result, e.g. `['datakit/registry:local']`. */
  tags: string[];
  labels?: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** Network for `RUN` steps. Default `host`: this platform never uses Docker's bridge. */
  networkMode?: string;
  /** Called with every progress event (build output lines). */
  onEvent?: (event: ProgressEvent) => void;
}

/** A host file or folder mounted into a container. */
export interface BindMount {
  /** Absolute host path. */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readOnly: boolean;
}

/** A container to run. Host networking unless the caller asks otherwise. */
export interface ContainerSpec {
  name?: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  /** `host:container[:ro]` bind mounts and `volume:container[:ro]` named volumes. */
  binds?: string[];
  /**
   * Bind mounts of host paths that must exist: unlike `binds`, the engine refuses a missing
   * source instead of creating an empty folder there (Docker's `--mount type=bind`).
   */
  mounts?: BindMount[];
  labels?: Record<string, string>;
  user?: string;
  /** Default `host`: all traffic stays on the machine's loopback. */
  networkMode?: string;
  /** Memory-backed mounts, path → options (e.g. `{ '/run/secrets': 'size=1m,mode=0700' }`). */
  tmpfs?: Record<string, string>;
  workingDir?: string;
  /** Hardening and limits of the container (`HostConfig`); nothing of it when absent. */
  hardening?: ContainerHardening;
}

/** How a container is confined: `docker run --read-only --cap-drop ALL --memory ...`. */
export interface ContainerHardening {
  /** The image's file system is read-only; only mounts and tmpfs can be written. */
  readOnlyRootFilesystem: boolean;
  /** Capabilities dropped, e.g. `['ALL']`. */
  capDrop: string[];
  /** Security options, e.g. `['no-new-privileges']`. */
  securityOpt: string[];
  /** Memory limit in bytes (swap included: the same value, so the container never swaps). */
  memoryBytes: number;
  /** Most processes and threads the container may have. */
  pidsLimit: number;
  /** What the engine does when the container stops: `no` for jobs, `unless-stopped` for services. */
  restartPolicy: 'no' | 'on-failure' | 'unless-stopped' | 'always';
}

/** What a one-shot container printed and how it ended. */
export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What `ensureContainer` had to do. */
/** The name suffix of a container staged to replace another (see `stageContainer`). */
export const STAGED_SUFFIX = '.next';

/** A container created next to the one it replaces: `commit` swaps them, `discard` drops it. */
export interface StagedContainer {
  outcome: EnsureOutcome;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export type EnsureOutcome = 'unchanged' | 'started' | 'created' | 'recreated';

/** A container as `listContainers` reports it. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  labels: Record<string, string>;
  /** The container's network mode (`host` for everything this platform runs locally). */
  networkMode: string;
}

/** A container's run state and mounts, as `containerState` reports them. */
export interface ContainerState {
  /** The container's id. */
  id: string;
  running: boolean;
  /** The exit code of the last run (0 while running or never run). */
  exitCode: number;
  /** Bind mounts and volumes (tmpfs mounts are in `tmpfs`). */
  mounts: Array<{ type: string; source: string; destination: string; readWrite: boolean }>;
  /** Memory-backed mounts, path → options, as created. */
  tmpfs: Record<string, string>;
  /** The user it runs as (`uid:gid`), empty when the image's. */
  user: string;
  /** Its confinement as the engine reports it (`docker inspect`'s HostConfig). */
  hardening: ContainerHardening;
}

/** One path a container changed in its writable layer (`docker diff`). */
export interface ContainerChange {
  path: string;
  kind: 'modified' | 'added' | 'deleted';
}

/** The label that records a hash of a long-running container's spec, to detect changes. */
export const SPEC_HASH_LABEL = 'dev.datakit.spec-hash';

/** Moments of {@link DockerEngine.startAndFollow}, for timings. */
export interface FollowHooks {
  /** The container was started. */
  onStarted?(): void;
  /** The container exited (its last output may still be in flight). */
  onExited?(): void;
}

/**
 * The one module that talks to a Docker engine. Every other layer goes through this class, so
 * engine quirks (errors inside 200 streams, config vs manifest digests, missing images on
 * create) are handled once.
 */
export class DockerEngine {
  readonly #docker: Docker;
  readonly #endpoint: string;

  constructor(options: DockerConnectOptions = {}) {
    const socketPath = options.socketPath ?? dockerSocketPath();
    this.#docker = new Docker({ socketPath });
    this.#endpoint = `unix://${socketPath}`;
  }

  /** The engine's address, for messages. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** True when the engine answers `/_ping`. */
  async ping(): Promise<boolean> {
    try {
      await this.#docker.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** Engine version, or an EnvironmentError naming the endpoint. */
  async version(): Promise<{ version: string; apiVersion: string }> {
    try {
      const v = await this.#docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (cause) {
      throw new EnvironmentError(`No Docker engine answers at ${this.#endpoint}.`, { cause });
    }
  }

  /** A local image's details, or undefined when the engine does not have it. */
  async imageInfo(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.#docker.getImage(ref).inspect();
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        repoDigests: info.RepoDigests ?? [],
        labels: info.Config?.Labels ?? {},
        created: info.Created,
        size: info.Size,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(error, `Inspecting image ${ref}`);
    }
  }

  /**
   * Every image of the engine, tagged or dangling: its id, its `repo:tag` names (none when
   * dangling) and the diff ids of its layers.
   */
  async listImages(): Promise<{ id: string; repoTags: string[]; layers: string[] }[]> {
    const images = await this.#docker.listImages({ all: false }).catch((error: unknown) => {
      throw wrap(error, 'Listing images');
    });
    return Promise.all(
      images.map(async (image) => {
        const info = await this.#docker
          .getImage(image.Id)
          .inspect()
          .catch((error: unknown) => {
            throw wrap(error, `Inspecting image ${image.Id}`);
          });
        return {
          id: image.Id,
          repoTags: (image.RepoTags ?? []).filter((tag) => !tag.includes('<none>')),
          layers: info.RootFS?.Layers ?? [],
        };
      }),
    );
  }

  /**
   * The archive `docker save` writes for these images (names or ids), as a tar stream: each
   * config and each layer once, even when images share it, plus manifest.json.
   */
  async saveImages(refs: string[]): Promise<Readable> {
    // GET /images/get?names=…: dockerode has it, its type definitions do not.
    const docker = this.#docker as unknown as {
      getImages(options: { names: string[] }): Promise<Readable>;
    };
    return docker.getImages({ names: refs }).catch((error: unknown) => {
      throw wrap(error, `Saving ${refs.length} images`);
    });
  }

  /**
   * Pulls an image; rejects with the registry's reason if the pull fails mid-stream. With
   * `auth`, the engine logs in to the image's registry with it (the X-Registry-Auth header of
   * this one request; nothing is stored in the engine). The engine trusts a private registry's
   * CA from its own /etc/docker/certs.d/<host>/ca.crt.
   */
  async pullImage(
    ref: string,
    onEvent?: (event: ProgressEvent) => void,
    auth?: PullAuth,
  ): Promise<void> {
    const options =
      auth === undefined
        ? {}
        : {
            authconfig:
              'token' in auth
                ? { registrytoken: auth.token }
                : {
                    username: auth.username,
                    password: auth.password,
                    serveraddress: ref.split('/')[0],
                  },
          };
    const stream = await this.#docker.pull(ref, options).catch((error: unknown) => {
      throw wrap(error, `Pulling ${ref}`);
    });
    await readProgress(stream as Readable, `Pulling ${ref}`, onEvent);
  }

  /** Creates an image from a root filesystem tar (like `docker import`). Returns its id. */
  async importImage(rootfs: Readable, ref: string, changes: string[] = []): Promise<string> {
    const { repo, tag } = splitRef(ref);
    const stream = (await this.#docker
      .importImage(rootfs as unknown as string, { repo, tag, changes } as object)
      .catch((error: unknown) => {
        throw wrap(error, `Importing ${ref}`);
      })) as Readable;
    await readProgress(stream, `Importing ${ref}`);
    const info = await this.imageInfo(ref);
    if (!info) throw new DockerError(`Importing ${ref} reported success but no image exists.`);
    return info.id;
  }

  /**
   * Builds an image from a Dockerfile through the engine API. dockerode's published types get
   * the context and tag options wrong, so this is the one place that calls it.
   */
  async buildImage(options: BuildImageOptions): Promise<{ imageId: string }> {
    const context = typeof options.context === 'string' ? pack(options.context) : options.context;
    const [firstTag, ...moreTags] = options.tags;
    if (firstTag === undefined) throw new DockerError('buildImage needs at least one tag.');
    const what = `Building ${firstTag}`;
    const stream = (await this.#docker
      .buildImage(
        context as unknown as string,
        {
          t: firstTag,
          dockerfile: options.dockerfile ?? 'Dockerfile',
          labels: options.labels ?? {},
          buildargs: options.buildArgs ?? {},
          networkmode: options.networkMode ?? 'host',
          rm: true,
          forcerm: true,
          pull: false,
        } as Docker.ImageBuildOptions,
      )
      .catch((error: unknown) => {
        throw wrap(error, what);
      })) as Readable;
    const events = await readProgress(stream, what, options.onEvent);
    const imageId = events.findLast((event) => event.aux?.ID)?.aux?.ID;
    if (!imageId) throw new DockerError(`${what} ended without an image id.`);
    for (const tag of moreTags) await this.tagImage(imageId, tag);
    return { imageId };
  }

  /** Gives an existing image another name. */
  async tagImage(source: string, target: string): Promise<void> {
    const { repo, tag } = splitRef(target);
    await this.#docker
      .getImage(source)
      .tag({ repo, tag })
      .catch((error: unknown) => {
        throw wrap(error, `Tagging ${source} as ${target}`);
      });
  }

  /**
   * Pushes a tagged image and returns the registry's manifest digest (from the `aux` event;
   * `imageInfo().id` is the config digest and differs).
   */
  async pushImage(
    ref: string,
    onEvent?: (event: ProgressEvent) => void,
  ): Promise<{ digest: string }> {
    const what = `Pushing ${ref}`;
    const stream = (await this.#docker
      .getImage(ref)
      .push({ authconfig: {} } as object)
      .catch((error: unknown) => {
        throw wrap(error, what);
      })) as Readable;
    const events = await readProgress(stream, what, onEvent);
    const digest = events.findLast((event) => event.aux?.Digest)?.aux?.Digest;
    if (!digest) throw new DockerError(`${what} ended without a manifest digest.`);
    return { digest };
  }

  /** Removes a local image (all its tags when forced). Missing images are not an error. */
  async removeImage(ref: string, force = false): Promise<void> {
    try {
      await this.#docker.getImage(ref).remove({ force });
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(error, `Removing image ${ref}`);
    }
  }

  /** Runs a container to completion and returns its exit code and output; removes it after. */
  async runContainer(spec: ContainerSpec): Promise<RunResult> {
    const container = await this.#create(spec);
    try {
      const stdout = new Collector();
      const stderr = new Collector();
      const attach = (await container.attach({
        stream: true,
        stdout: true,
        stderr: true,
      })) as unknown as Readable;
      this.#docker.modem.demuxStream(attach, stdout.stream, stderr.stream);
      const ended = new Promise<void>((resolve) => attach.on('end', () => resolve()));
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await Promise.race([ended, delay(2000)]);
      return { exitCode: StatusCode, stdout: stdout.text(), stderr: stderr.text() };
    } catch (error) {
      throw wrap(error, `Running ${spec.image}`);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /**
   * Makes a long-running, named container match `spec`: leaves it alone when it already runs
   * the same spec and image, starts it when stopped, recreates it when either changed.
   */
  async ensureContainer(
    spec: ContainerSpec & { name: string },
    options: { start?: boolean } = {},
  ): Promise<EnsureOutcome> {
    // `start: false` keeps a job container created but stopped (it runs on demand).
    const start = options.start ?? true;
    const { hash, existing, matches } = await this.#compareContainer(spec);
    if (existing && matches) {
      if (existing.State.Running || !start) return 'unchanged';
      await this.#docker.getContainer(existing.Id).start();
      return 'started';
    }
    if (existing) await this.#docker.getContainer(existing.Id).remove({ force: true });
    const container = await this.#create({
      ...spec,
      labels: { ...spec.labels, [SPEC_HASH_LABEL]: hash },
    });
    if (start) {
      await container.start().catch((error: unknown) => {
        throw wrap(error, `Starting container ${spec.name}`);
      });
    }
    return existing ? 'recreated' : 'created';
  }

  /**
   * The first half of replacing a named container without losing it: when `spec` differs from
   * the container of that name (or there is none), a new one is created (and started, unless
   * `start: false`) under `<name>.next`, next to the old one, which keeps running. `commit()`
   * then removes the old container and gives the new one its name; `discard()` removes the new
   * one and leaves the old as it was. A leftover `.next` of an interrupted run is replaced.
   */
  async stageContainer(
    spec: ContainerSpec & { name: string },
    options: { start?: boolean } = {},
  ): Promise<StagedContainer> {
    const start = options.start ?? true;
    const { hash, existing, matches } = await this.#compareContainer(spec);
    const nothing = async () => undefined;
    if (existing && matches) {
      if (existing.State.Running || !start) {
        return { outcome: 'unchanged', commit: nothing, discard: nothing };
      }
      return {
        outcome: 'started',
        commit: async () => {
          await this.#docker.getContainer(existing.Id).start();
        },
        discard: nothing,
      };
    }
    const staged = `${spec.name}${STAGED_SUFFIX}`;
    await this.removeContainer(staged);
    const container = await this.#create({
      ...spec,
      name: staged,
      labels: { ...spec.labels, [SPEC_HASH_LABEL]: hash },
    });
    const discard = () => this.removeContainer(staged);
    if (start) {
      await container.start().catch(async (error: unknown) => {
        await discard();
        throw wrap(error, `Starting container ${spec.name}`);
      });
    }
    return {
      outcome: existing ? 'recreated' : 'created',
      commit: async () => {
        if (existing) await this.removeContainer(existing.Id);
        await container.rename({ name: spec.name }).catch((error: unknown) => {
          throw wrap(error, `Renaming container ${staged} to ${spec.name}`);
        });
      },
      discard,
    };
  }

  /**
   * Starts a created (or exited) container, hands every line it prints to the callbacks as it
   * comes, and returns its exit code when it ends. Earlier runs' output is not replayed.
   */
  async startAndFollow(
    nameOrId: string,
    onStdout: (line: string) => void,
    onStderr: (line: string) => void,
    hooks: FollowHooks = {},
  ): Promise<number> {
    const container = this.#docker.getContainer(nameOrId);
    try {
      const stream = (await container.attach({
        stream: true,
        stdout: true,
        stderr: true,
      })) as unknown as Readable;
      const stdout = new LineSplitter(onStdout);
      const stderr = new LineSplitter(onStderr);
      this.#docker.modem.demuxStream(stream, stdout.stream, stderr.stream);
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      await container.start();
      hooks.onStarted?.();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      hooks.onExited?.();
      await Promise.race([ended, delay(2000)]);
      stdout.flush();
      stderr.flush();
      return StatusCode;
    } catch (error) {
      throw wrap(error, `Running container ${nameOrId}`);
    }
  }

  /** Containers (running or not) that carry every given label. */
  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const list = await this.#docker
      .listContainers({ all: true, filters: JSON.stringify(filters) } as object)
      .catch((error: unknown) => {
        throw wrap(error, 'Listing containers');
      });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      labels: c.Labels,
      networkMode: c.HostConfig?.NetworkMode ?? '',
    }));
  }

  /** Stops and removes a container by name or id; a missing one is not an error. */
  async removeContainer(nameOrId: string): Promise<void> {
    try {
      await this.#docker.getContainer(nameOrId).remove({ force: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(error, `Removing container ${nameOrId}`);
    }
  }

  /** The last lines a container printed (stdout and stderr interleaved). */
  async containerLogs(nameOrId: string, tail = 50): Promise<string> {
    const buffer = (await this.#docker
      .getContainer(nameOrId)
      .logs({ stdout: true, stderr: true, tail, follow: false })
      .catch((error: unknown) => {
        throw wrap(error, `Reading logs of ${nameOrId}`);
      })) as Buffer;
    return demuxBuffer(buffer);
  }

  /**
   * Copies one file of this machine into a running container's folder `into` (like
   * `docker cp`), keeping its name; `owner` is the uid that owns the copy there.
   */
  async copyFileInto(nameOrId: string, file: string, into: string, owner = 0): Promise<void> {
    const archive = pack(dirname(file), {
      entries: [basename(file)],
      map: (header) => ({ ...header, uid: owner, gid: owner }),
    });
    try {
      await this.#docker.getContainer(nameOrId).putArchive(archive, { path: into });
    } catch (error) {
      throw wrap(error, `Copying ${file} into ${nameOrId}:${into}`);
    }
  }

  /** Runs a command inside a running container and returns its output. */
  async exec(nameOrId: string, cmd: string[], user?: string): Promise<RunResult> {
    try {
      const exec = await this.#docker.getContainer(nameOrId).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        ...(user === undefined ? {} : { User: user }),
      });
      const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
      const stdout = new Collector();
      const stderr = new Collector();
      this.#docker.modem.demuxStream(stream, stdout.stream, stderr.stream);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const { ExitCode } = await exec.inspect();
      return { exitCode: ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text() };
    } catch (error) {
      throw wrap(error, `Running ${cmd.join(' ')} in ${nameOrId}`);
    }
  }

  /**
   * Whether a path exists in a container (its volumes included), asked of the engine's archive
   * API (`HEAD /containers/{id}/archive`): one request and no process started in the container,
   * where an `exec` of `test -f` takes three requests and a process. False when the container
   * or the path does not exist. (Paths on a tmpfs mount are not seen by this API.)
   */
  async pathExists(nameOrId: string, path: string): Promise<boolean> {
    try {
      const stream = (await this.#docker
        .getContainer(nameOrId)
        .infoArchive({ path })) as unknown as Readable | undefined;
      stream?.destroy?.();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw wrap(error, `Looking for ${path} in ${nameOrId}`);
    }
  }

  /**
   * Stops a running container: SIGTERM, then SIGKILL after `timeoutSeconds` (like
   * `docker stop`). A container that is not running is not an error.
   */
  async stopContainer(nameOrId: string, timeoutSeconds = 10): Promise<void> {
    try {
      await this.#docker.getContainer(nameOrId).stop({ t: timeoutSeconds });
    } catch (error) {
      if (statusOf(error) !== 304) throw wrap(error, `Stopping container ${nameOrId}`);
    }
  }

  /** Starts a created or stopped container. A running one is not an error. */
  async startContainer(nameOrId: string): Promise<void> {
    try {
      await this.#docker.getContainer(nameOrId).start();
    } catch (error) {
      if (statusOf(error) !== 304) throw wrap(error, `Starting container ${nameOrId}`);
    }
  }

  /** Whether a container runs, how its last run ended, and its mounts; undefined if missing. */
  async containerState(nameOrId: string): Promise<ContainerState | undefined> {
    const info = await this.#inspectContainer(nameOrId);
    if (!info) return undefined;
    return {
      id: info.Id,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      mounts: (info.Mounts ?? []).map((m) => ({
        type: m.Type,
        source: m.Source,
        destination: m.Destination,
        readWrite: m.RW,
      })),
      tmpfs: (info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {},
      user: info.Config.User ?? '',
      hardening: {
        readOnlyRootFilesystem: info.HostConfig.ReadonlyRootfs ?? false,
        capDrop: info.HostConfig.CapDrop ?? [],
        securityOpt: info.HostConfig.SecurityOpt ?? [],
        memoryBytes: info.HostConfig.Memory ?? 0,
        pidsLimit: info.HostConfig.PidsLimit ?? 0,
        restartPolicy: (info.HostConfig.RestartPolicy?.Name ||
          'no') as ContainerHardening['restartPolicy'],
      },
    };
  }

  /** What a container changed in its writable layer (mounts excluded), like `docker diff`. */
  async containerChanges(nameOrId: string): Promise<ContainerChange[]> {
    const kinds = ['modified', 'added', 'deleted'] as const;
    const changes = (await this.#docker
      .getContainer(nameOrId)
      .changes()
      .catch((error: unknown) => {
        throw wrap(error, `Listing changes of ${nameOrId}`);
      })) as Array<{ Path: string; Kind: number }> | null;
    return (changes ?? []).map((c) => ({ path: c.Path, kind: kinds[c.Kind] ?? 'modified' }));
  }

  /** Creates a named volume if missing. */
  async ensureVolume(name: string, labels: Record<string, string> = {}): Promise<void> {
    try {
      await this.#docker.getVolume(name).inspect();
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(error, `Inspecting volume ${name}`);
      await this.#docker.createVolume({ Name: name, Labels: labels });
    }
  }

  /** Whether the engine has a network of that name (Docker's own `host`, `bridge`, `none` too). */
  async networkExists(name: string): Promise<boolean> {
    try {
      await this.#docker.getNetwork(name).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw wrap(error, `Inspecting network ${name}`);
    }
  }

  /** Removes a named volume; a missing one is not an error. */
  async removeVolume(name: string): Promise<void> {
    try {
      await this.#docker.getVolume(name).remove();
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(error, `Removing volume ${name}`);
    }
  }

  /** Names of volumes that carry every given label. */
  async listVolumes(labels: Record<string, string>): Promise<string[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const result = await this.#docker.listVolumes({ filters: JSON.stringify(filters) } as object);
    return (result.Volumes ?? []).map((v) => v.Name);
  }

  /**
   * The container named in `spec` against it: the spec's hash (over the spec and the local
   * image's id), the container of that name if any, and whether it was made from this spec.
   */
  async #compareContainer(spec: ContainerSpec & { name: string }): Promise<{
    hash: string;
    existing: Docker.ContainerInspectInfo | undefined;
    matches: boolean;
  }> {
    const image = await this.imageInfo(spec.image);
    if (!image) throw new DockerError(`Image ${spec.image} does not exist on this engine.`);
    const hash = specHash(spec, image.id);
    const existing = await this.#inspectContainer(spec.name);
    return { hash, existing, matches: existing?.Config.Labels?.[SPEC_HASH_LABEL] === hash };
  }

  async #inspectContainer(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.#docker.getContainer(name).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(error, `Inspecting container ${name}`);
    }
  }

  async #create(spec: ContainerSpec): Promise<Docker.Container> {
    // createContainer does not pull: a missing image is a clear error here, not a 404 later.
    if (!(await this.imageInfo(spec.image))) {
      throw new DockerError(`Image ${spec.image} does not exist on this engine.`, {
        hint: 'Build or pull it first.',
      });
    }
    try {
      return await this.#docker.createContainer({
        ...(spec.name === undefined ? {} : { name: spec.name }),
        Image: spec.image,
        ...(spec.cmd === undefined ? {} : { Cmd: spec.cmd }),
        ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
        ...(spec.user === undefined ? {} : { User: spec.user }),
        ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels ?? {},
        HostConfig: {
          NetworkMode: spec.networkMode ?? 'host',
          Binds: spec.binds ?? [],
          ...(spec.mounts === undefined
            ? {}
            : {
                Mounts: spec.mounts.map((m) => ({
                  Type: 'bind' as const,
                  Source: m.source,
                  Target: m.target,
                  ReadOnly: m.readOnly,
                })),
              }),
          ...(spec.tmpfs === undefined ? {} : { Tmpfs: spec.tmpfs }),
          ...(spec.hardening === undefined ? {} : hostConfigOf(spec.hardening)),
        },
      });
    } catch (error) {
      throw wrap(error, `Creating container ${spec.name ?? spec.image}`);
    }
  }
}

/** A stable hash of everything that defines a long-running container. */
export function specHash(spec: ContainerSpec, imageId: string): string {
  const canonical = JSON.stringify({
    imageId,
    cmd: spec.cmd ?? null,
    entrypoint: spec.entrypoint ?? null,
    env: Object.entries(spec.env ?? {}).sort(),
    binds: [...(spec.binds ?? [])].sort(),
    // Only when given, so the hash of a container without them is what it always was.
    ...(spec.mounts === undefined
      ? {}
      : {
          mounts: spec.mounts
            .map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`)
            .sort(),
        }),
    labels: Object.entries(spec.labels ?? {}).sort(),
    user: spec.user ?? null,
    networkMode: spec.networkMode ?? 'host',
    tmpfs: Object.entries(spec.tmpfs ?? {}).sort(),
    workingDir: spec.workingDir ?? null,
    // Only when given, so the hash of a container without it is what it always was.
    ...(spec.hardening === undefined ? {} : { hardening: spec.hardening }),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function hostConfigOf(hardening: ContainerHardening) {
  return {
    ReadonlyRootfs: hardening.readOnlyRootFilesystem,
    CapDrop: hardening.capDrop,
    SecurityOpt: hardening.securityOpt,
    Memory: hardening.memoryBytes,
    MemorySwap: hardening.memoryBytes,
    PidsLimit: hardening.pidsLimit,
    RestartPolicy: { Name: hardening.restartPolicy },
  };
}

/** Splits `name:tag` (registry ports kept in the name). A missing tag means `latest`. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

const UNIX = 'unix://';

/**
 * The path of the engine's unix socket on this machine: `dockerHost` (a `unix://` address, as
 * an environment's `dockerHost`) when given, else `DOCKER_HOST` when it names a unix socket,
 * else `/var/run/docker.sock`.
 */
export function dockerSocketPath(
  dockerHost?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const fromEnv = env.DOCKER_HOST?.startsWith(UNIX) ? env.DOCKER_HOST : undefined;
  const address = dockerHost?.startsWith(UNIX) ? dockerHost : fromEnv;
  return address === undefined ? '/var/run/docker.sock' : address.slice(UNIX.length);
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? (error as { statusCode?: number }).statusCode
    : undefined;
}

function wrap(error: unknown, what: string): Error {
  if (error instanceof DockerError || error instanceof EnvironmentError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    return new EnvironmentError(`${what} failed: no Docker engine answers (${code}).`, {
      cause: error,
      hint: 'Start one with `npm run infra:up`, or check DOCKER_HOST.',
    });
  }
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error instanceof Error ? error.message : String(error));
  return new DockerError(`${what} failed: ${message.trim()}`, { cause: error });
}

class Collector {
  readonly stream = new PassThrough();
  readonly #chunks: Buffer[] = [];
  constructor() {
    this.stream.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** Turns a byte stream into whole lines for a callback. */
class LineSplitter {
  readonly stream = new PassThrough();
  #pending = '';
  constructor(onLine: (line: string) => void) {
    this.stream.on('data', (chunk: Buffer) => {
      const lines = (this.#pending + chunk.toString('utf8')).split('\n');
      this.#pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    this.flush = () => {
      if (this.#pending !== '') onLine(this.#pending);
      this.#pending = '';
    };
  }
  flush: () => void;
}

/** Decodes Docker's multiplexed log framing (8-byte headers) into plain text. */
function demuxBuffer(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
