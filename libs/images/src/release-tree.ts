import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import type { DockerEngine } from '@datakit/docker';
import { ConfigError, EnvironmentError } from '@datakit/errors';
import { buildDatakitImage, type BaseImageReader, type BuiltImage } from './build-datakit-image.ts';
import { readDatakitProject, type DatakitProject } from './datakit-project.ts';
import { pushPlatformImage, readPlatformProject, type PlatformRegistry } from './platform-image.ts';

/** A released version's source tree, checked out next to the working tree. */
export interface ReleaseTree {
  /** The commit the version was released from: the last one with that version. */
  commit: string;
  /** A git worktree of that commit (under `.infra/releases/`), ready to bundle from. */
  root: string;
}

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return { ok: run.status === 0, out: run.stdout ?? '', err: (run.stderr ?? '').trim() };
}

function versionAt(root: string, commit: string, manifest: string): string | undefined {
  const show = git(root, ['show', `${commit}:${manifest}`]);
  if (!show.ok) return undefined;
  try {
    return (JSON.parse(show.out) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * The commit a version of a project was released from: the last commit whose
 * `<project>/package.json` has that version (the parent of the commit that bumped it), or
 * `undefined` when the working tree's own version is the one asked for. Throws a ConfigError
 * listing the versions the history has when there is none.
 */
export function findReleaseCommit(
  root: string,
  projectPath: string,
  version: string,
): string | undefined {
  const manifest = join(projectPath, 'package.json');
  const current = (JSON.parse(readFileSync(join(root, manifest), 'utf8')) as { version: string })
    .version;
  if (current === version) return undefined;
  const log = git(root, ['log', '--format=%H', '--', manifest]);
  if (!log.ok) {
    throw new EnvironmentError(`Cannot read the git history of ${manifest}: ${log.err}`, {
      hint: 'Rebuilding a released version needs a clone with its history (not a shallow one).',
    });
  }
  const seen = new Set<string>([current]);
  for (const commit of log.out.split('\n').filter(Boolean)) {
    const own = versionAt(root, commit, manifest);
    const parent = versionAt(root, `${commit}^`, manifest);
    if (own !== undefined) seen.add(own);
    if (own !== version && parent === version) {
      return git(root, ['rev-parse', `${commit}^`]).out.trim();
    }
  }
  throw new ConfigError(
    `${manifest}: version ${version} was never released; the history has ${[...seen].join(', ')}.`,
  );
}

/**
 * Checks a commit out as a git worktree under `<root>/.infra/releases/<commit>` (kept for the
 * next build) and links its node_modules: the worktree's own workspace packages, and every
 * other package from the working tree's node_modules (today's third-party packages, so a
 * rebuilt release is identical as long as the lock file has not changed them).
 */
export function prepareReleaseTree(root: string, commit: string): ReleaseTree {
  const dir = join(root, '.infra', 'releases', commit.slice(0, 12));
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(dirname(dir), { recursive: true });
    git(root, ['worktree', 'prune']);
    const add = git(root, ['worktree', 'add', '--detach', '--force', dir, commit]);
    if (!add.ok) throw new EnvironmentError(`git worktree add ${commit} failed: ${add.err}`);
  }
  linkNodeModules(root, dir);
  return { commit, root: dir };
}

function linkNodeModules(root: string, tree: string): void {
  const modules = join(tree, 'node_modules');
  mkdirSync(join(modules, '@datakit'), { recursive: true });
  const link = (target: string, path: string) => {
    if (!existsSync(path)) symlinkSync(relative(dirname(path), target), path);
  };
  // The release's own workspace packages.
  const workspaces =
    (
      JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as {
        workspaces?: string[];
      }
    ).workspaces ?? [];
  for (const pattern of workspaces) {
    const parent = join(tree, pattern.replace(/\/\*$/, ''));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent)) {
      const manifest = join(parent, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name?.startsWith('@datakit/')) link(join(parent, entry), join(modules, name));
    }
  }
  // Everything else from the working tree.
  const source = join(root, 'node_modules');
  for (const entry of readdirSync(source)) {
    if (entry === '@datakit' || entry === '.bin' || entry.startsWith('.')) continue;
    link(join(source, entry), join(modules, entry));
  }
}

/**
 * Builds a released version of a datakit: from the commit it was released from (a release
 * tree), or from the working tree when that is the version asked for. `onProgress` hears which
 * commit.
 */
export async function buildDatakitRelease(
  project: DatakitProject,
  root: string,
  reader: BaseImageReader,
  version: string,
  onProgress: (message: string) => void = () => undefined,
  base?: ReleaseBase,
): Promise<BuiltImage> {
  const commit = findReleaseCommit(root, project.path, version);
  if (commit === undefined) return buildDatakitImage(project, root, reader);
  onProgress(
    `${project.name} ${version} was released from ${commit.slice(0, 12)}: building it there`,
  );
  const tree = prepareReleaseTree(root, commit);
  const released = readDatakitProject(join(tree.root, project.path), tree.root);
  if (base !== undefined) await ensureReleaseBase(tree.root, released, base, onProgress);
  return buildDatakitImage(released, tree.root, reader);
}

/** How a release build gets its base image when the registry has lost it. */
export interface ReleaseBase {
  engine: DockerEngine;
  registry: PlatformRegistry;
  /** The registry as image references name it, e.g. `127.0.0.1:5000`. */
  registryHost: string;
}

/**
 * A release names the base image of its commit (`datakit-base:1.0.0`); a registry that never
 * had it (a fresh machine) gets it built from the platform project of that same commit and
 * pushed, as `images push` builds any platform image. A base that is not a platform project of
 * the commit, or whose version there differs from the tag, is left to the build's own error.
 */
async function ensureReleaseBase(
  treeRoot: string,
  released: DatakitProject,
  base: ReleaseBase,
  onProgress: (message: string) => void,
): Promise<void> {
  const { repository, tag } = released.base;
  if ((await base.registry.resolveTag(repository, tag)) !== undefined) return;
  const dir = join(treeRoot, 'platform', repository);
  if (!existsSync(join(dir, 'Dockerfile'))) return;
  const platform = readPlatformProject(dir);
  if (platform.version !== tag) return;
  onProgress(
    `${repository}:${tag}, the base of this release, is not in the registry: building it from the same commit`,
  );
  await pushPlatformImage(
    treeRoot,
    base.engine,
    platform,
    base.registry,
    base.registryHost,
    onProgress,
  );
}
