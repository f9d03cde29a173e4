import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { validateTag } from '@datakit/registry';

/** A datakit project as its package.json describes it, normalised. */
export interface DatakitProject {
  /** Absolute folder, e.g. `/repo/datakits/hello`. */
  dir: string;
  /** Folder relative to the repository root, e.g. `datakits/hello`. */
  path: string;
  /** The datakit's name, which is also its registry repository, e.g. `hello`. */
  name: string;
  /** package.json version, which is the image tag. */
  version: string;
  /** Entry file relative to `dir`. Default `src/main.ts`. */
  entry: string;
  /** The base image as `repository:tag` in the same registry. */
  base: { repository: string; tag: string };
}

/**
 * Reads `package.json` of a datakit project. Its `datakit` field may set `name` (default: the
 * folder name), `entry` (default `src/main.ts`) and `base` (default `datakit-base:<version of
 * platform/datakit-base>`). Errors name the file and the field.
 */
export function readDatakitProject(dir: string, root: string): DatakitProject {
  const file = join(dir, 'package.json');
  if (!existsSync(file))
    throw new ConfigError(`${file} does not exist: ${dir} is not a datakit project.`);
  let manifest: {
    version?: unknown;
    datakit?: { name?: unknown; entry?: unknown; base?: unknown };
  };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as typeof manifest;
  } catch (cause) {
    throw new ConfigError(`${file} is not valid JSON.`, { cause });
  }
  const version = manifest.version;
  if (typeof version !== 'string') {
    throw new ConfigError(
      `${file}: field "version" is missing; expected the datakit's version, e.g. "1.4.2".`,
    );
  }
  assertTag(version, `${file}: field "version"`);
  const field = manifest.datakit ?? {};
  const name = field.name ?? basename(dir);
  if (typeof name !== 'string' || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
    throw new ConfigError(
      `${file}: field "datakit.name" is ${JSON.stringify(name)}; expected lower-case letters, digits and single . _ - between them (a registry repository name).`,
    );
  }
  const entry = field.entry ?? 'src/main.ts';
  if (typeof entry !== 'string' || !existsSync(join(dir, entry))) {
    throw new ConfigError(
      `${file}: field "datakit.entry" names ${JSON.stringify(entry)}, which does not exist in ${dir}.`,
    );
  }
  const baseRef = field.base ?? `datakit-base:${platformVersion(root, 'datakit-base')}`;
  if (typeof baseRef !== 'string' || !/^[a-z0-9._/-]+:[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(baseRef)) {
    throw new ConfigError(
      `${file}: field "datakit.base" is ${JSON.stringify(baseRef)}; expected "repository:tag", e.g. "datakit-base:1.0.0".`,
    );
  }
  const [repository = '', tag = ''] = baseRef.split(':');
  return { dir, path: relative(root, dir), name, version, entry, base: { repository, tag } };
}

/** Refuses a version that cannot be a registry tag (e.g. semver build metadata with `+`). */
export function assertTag(version: string, where: string): void {
  try {
    validateTag(version);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      `${where}: ${error.message}`,
      error.hint === undefined ? {} : { hint: error.hint },
    );
  }
}

/** The version of a platform project, from its package.json. */
export function platformVersion(root: string, name: string): string {
  const file = join(root, 'platform', name, 'package.json');
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    return version;
  } catch (cause) {
    throw new ConfigError(`${file} cannot be read to find the version of ${name}.`, { cause });
  }
}

/** The source revision of a folder: its last commit, marked `-dirty` with local changes. */
export interface SourceRevision {
  revision: string;
  /** ISO time of that commit; the image's `created`, so rebuilds are reproducible. */
  created: string;
}

/**
 * The last commit that touched any of `paths` and its time. Outside git (or before the first
 * commit) `SOURCE_DATE_EPOCH` or the epoch is used, with revision `unknown`.
 */
export function sourceRevision(root: string, paths: string[]): SourceRevision {
  const log = spawnSync('git', ['log', '-1', '--format=%H %ct', '--', ...paths], {
    cwd: root,
    encoding: 'utf8',
  });
  const [hash, seconds] = (log.status === 0 ? log.stdout.trim() : '').split(' ');
  const epoch =
    Number(seconds ?? process.env.SOURCE_DATE_EPOCH ?? 0) ||
    Number(process.env.SOURCE_DATE_EPOCH ?? 0);
  const status = spawnSync('git', ['status', '--porcelain', '--', ...paths], {
    cwd: root,
    encoding: 'utf8',
  });
  const dirty = status.status === 0 && status.stdout.trim() !== '';
  return {
    revision: `${hash || 'unknown'}${dirty ? '-dirty' : ''}`,
    created: new Date(epoch * 1000).toISOString(),
  };
}
