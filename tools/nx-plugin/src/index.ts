// A local Nx plugin: every datakit (a package.json with a `datakit` field under datakits/) and
// every platform image (a Dockerfile under platform/) gets `image` and `push` targets, and every
// project `lint`, `test` and `test-integration` (check-targets.ts), inferred here instead of
// copied into each project.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CreateNodes, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { checkTargets } from './check-targets.ts';

const CLI = 'node tools/cli/bin/run.js';

/** Targets of a datakit: the image is a folder on disk (an OCI layout), so it can be cached. */
export function datakitTargets(projectRoot: string): Record<string, TargetConfiguration> {
  return {
    image: {
      command: `${CLI} images build ${projectRoot} --plain`,
      cache: true,
      inputs: [
        'production',
        '^production',
        '{workspaceRoot}/platform/datakit-base/package.json',
        { externalDependencies: ['esbuild'] },
        // The image records its git revision (and whether the tree was dirty): the same files
        // at another commit or with local changes are another image.
        { runtime: 'git rev-parse HEAD && git status --porcelain' },
        // It names its base by digest: another base in the registry is another image.
        { runtime: 'node tools/nx-plugin/src/base-digest.ts' },
      ],
      outputs: ['{projectRoot}/dist/image', '{projectRoot}/dist/bundle'],
      // The image is assembled on the base image as the registry has it: push the base first.
      dependsOn: [{ projects: ['@datakit/datakit-base'], target: 'push' }],
      metadata: {
        description: 'Bundle the datakit and assemble its image as an OCI layout in dist/image.',
      },
    },
    push: {
      command: `${CLI} images push ${projectRoot} --from-layout --plain`,
      // Never cached: the registry is the state. Push asks it (HEAD the manifest) and uploads
      // only what is missing, so a push with nothing new costs one request.
      cache: false,
      dependsOn: ['image'],
      metadata: {
        description: 'Push dist/image to the registry; refuses to move an existing tag.',
      },
    },
  };
}

/**
 * Targets of a platform image: built by the Docker engine, whose image is not a file Nx could
 * restore, so neither target is cached; the engine's layer cache keeps rebuilds fast.
 */
export function platformTargets(projectRoot: string): Record<string, TargetConfiguration> {
  return {
    image: {
      command: `${CLI} images build ${projectRoot} --plain`,
      cache: false,
      metadata: { description: 'Build the platform image through the Docker engine API.' },
    },
    push: {
      command: `${CLI} images push ${projectRoot} --plain`,
      cache: false,
      dependsOn: ['image'],
      metadata: { description: 'Push the platform image; refuses to move an existing tag.' },
    },
  };
}

export const createNodes: CreateNodes = [
  '{libs,datakits,warehouses,platform,tools}/*/package.json',
  (files, _options, context) =>
    files.map((file): readonly [string, CreateNodesResult] => {
      const projectRoot = dirname(file);
      const manifest = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8')) as {
        datakit?: unknown;
      };
      let targets: Record<string, TargetConfiguration> = checkTargets(projectRoot, {
        hasSource: existsSync(join(context.workspaceRoot, projectRoot, 'src')),
      });
      if (projectRoot.startsWith('datakits/') && manifest.datakit !== undefined) {
        targets = { ...targets, ...datakitTargets(projectRoot) };
      } else if (
        projectRoot.startsWith('platform/') &&
        existsSync(join(context.workspaceRoot, projectRoot, 'Dockerfile'))
      ) {
        targets = { ...targets, ...platformTargets(projectRoot) };
      }
      return [file, { projects: { [projectRoot]: { targets } } }];
    }),
];
