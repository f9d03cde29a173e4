import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError, RegistryError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import { LABELS } from './build-datakit-image.ts';
import { bundleDatakit } from './bundle-datakit.ts';
import { readDatakitProject, type DatakitProject } from './datakit-project.ts';
import { readSpec, type DatakitSpec } from './read-spec.ts';
import { prepareReleaseTree } from './release-tree.ts';

/**
 * Where one version of a datakit's spec comes from: the working tree, a release tag
 * (`<project>@<version>` in git), any git commit, or an image's spec label in a registry.
 */
export type SpecSource =
  | { kind: 'working' }
  | { kind: 'release'; version: string }
  | { kind: 'git'; ref: string }
  | { kind: 'registry'; version: string };

/**
 * Reads a version as a user writes it: `working` (the working tree), `<version>` (the release
 * tag of that version), `git:<ref>` (a commit, branch or tag), `registry:<version>` (the image's
 * spec label).
 */
export function parseSpecSource(text: string): SpecSource {
  if (text === 'working' || text === '.') return { kind: 'working' };
  if (text.startsWith('git:') && text.length > 4) return { kind: 'git', ref: text.slice(4) };
  if (text.startsWith('registry:') && text.length > 9)
    return { kind: 'registry', version: text.slice(9) };
  if (/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(text)) return { kind: 'release', version: text };
  throw new ConfigError(`"${text}" is not a version to diff.`, {
    hint: 'Expected working, a released version (1.2.0), git:<ref> or registry:<version>.',
  });
}

/** The git tag prefix of a project's releases: its package name and `@` (`@datakit/hello@`). */
export function releaseTagPrefix(projectDir: string): string {
  const { name } = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as {
    name?: string;
  };
  if (typeof name !== 'string') {
    throw new ConfigError(`${join(projectDir, 'package.json')}: field "name" is missing.`);
  }
  return `${name}@`;
}

/** The released versions of a project (its `<project>@<version>` git tags), newest first. */
export function releasedVersions(root: string, projectDir: string): string[] {
  const prefix = releaseTagPrefix(projectDir);
  const run = spawnSync('git', ['tag', '--list', `${prefix}*`, '--sort=-v:refname'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) return [];
  return run.stdout
    .split('\n')
    .map((tag) => tag.trim().slice(prefix.length))
    .filter((version) => /^\d+\.\d+\.\d+$/.test(version));
}

/** One version's spec, and what to call it. */
export interface VersionSpec {
  /** `working tree (1.1.0)`, `@datakit/hello@1.0.0`, `registry hello:1.0.0`. */
  label: string;
  /** The version the spec reports. */
  version: string;
  spec: DatakitSpec;
}

/**
 * The spec of one version of a datakit: the working tree's and a commit's are bundled and asked
 * (`spec` verb; a commit from a git worktree under `.infra/releases/`), a registry image's is
 * its spec label. Errors name the tag, commit or image that is missing.
 */
export async function readVersionSpec(
  project: DatakitProject,
  root: string,
  source: SpecSource,
  registry?: RegistryClient,
): Promise<VersionSpec> {
  switch (source.kind) {
    case 'working': {
      const spec = await specOfTree(project, root);
      return { label: `working tree (${spec.version})`, version: spec.version, spec };
    }
    case 'release': {
      const tag = `${releaseTagPrefix(project.dir)}${source.version}`;
      const commit = revParse(root, `refs/tags/${tag}`);
      if (commit === undefined) {
        const released = releasedVersions(root, project.dir);
        throw new ConfigError(
          `${project.name} has no release ${source.version}: no git tag ${tag}.`,
          {
            hint: released.length
              ? `Released versions: ${released.join(', ')}.`
              : 'It has no release tags yet (nx release makes them); use working or registry:<version>.',
          },
        );
      }
      const spec = await specAtCommit(project, root, commit);
      return { label: tag, version: spec.version, spec };
    }
    case 'git': {
      const commit = revParse(root, source.ref);
      if (commit === undefined)
        throw new ConfigError(`git:${source.ref} names no commit in ${root}.`);
      const spec = await specAtCommit(project, root, commit);
      return { label: `${source.ref} (${spec.version})`, version: spec.version, spec };
    }
    case 'registry': {
      if (registry === undefined)
        throw new ConfigError('A registry version needs a registry to read it from.');
      let labels: Record<string, string>;
      try {
        labels = await registry.labels(project.name, source.version);
      } catch (error) {
        if (error instanceof RegistryError && error.status === 404) {
          throw new ConfigError(`${registry.url} has no image ${project.name}:${source.version}.`, {
            hint: 'datakit registry tags lists the versions it has.',
          });
        }
        throw error;
      }
      const label = labels[LABELS.spec];
      if (label === undefined) {
        throw new ConfigError(
          `${project.name}:${source.version} in ${registry.url} has no ${LABELS.spec} label: not a datakit image.`,
        );
      }
      const spec = JSON.parse(label) as DatakitSpec;
      return {
        label: `registry ${project.name}:${source.version}`,
        version: spec.version,
        spec,
      };
    }
    default: {
      const never: never = source;
      throw new Error(`unknown spec source ${JSON.stringify(never)}`);
    }
  }
}

function revParse(root: string, ref: string): string | undefined {
  const run = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

async function specOfTree(project: DatakitProject, root: string): Promise<DatakitSpec> {
  const bundle = await bundleDatakit(project, root);
  return (await readSpec(project, bundle.file)).spec;
}

async function specAtCommit(
  project: DatakitProject,
  root: string,
  commit: string,
): Promise<DatakitSpec> {
  const tree = prepareReleaseTree(root, commit);
  const released = readDatakitProject(join(tree.root, project.path), tree.root);
  return specOfTree(released, tree.root);
}
