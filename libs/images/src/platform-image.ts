import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { DockerEngine, ProgressEvent } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { stageDependencies } from './_closure.ts';
import { bundleEntry } from './bundle-datakit.ts';
import { assertTag } from './datakit-project.ts';

/** A platform image project: a folder with a Dockerfile and a versioned package.json. */
export interface PlatformProject {
  dir: string;
  /** The registry repository, the folder name (e.g. `datakit-base`). */
  name: string;
  version: string;
  /**
   * A TypeScript entry (relative to the project) bundled into `dist/main.mjs` of the build
   * context, from package.json `"image": {"bundle": "src/main.ts"}`: how a platform image runs
   * TypeScript that imports workspace libraries.
   */
  bundle: string | undefined;
}

/** Reads a platform project; errors name the file and field. */
export function readPlatformProject(dir: string): PlatformProject {
  const file = join(dir, 'package.json');
  if (!existsSync(join(dir, 'Dockerfile'))) {
    throw new ConfigError(`${dir} has no Dockerfile: it is not a platform image project.`);
  }
  const { version, image } = JSON.parse(readFileSync(file, 'utf8')) as {
    version?: string;
    image?: { bundle?: unknown };
  };
  if (typeof version !== 'string') {
    throw new ConfigError(
      `${file}: field "version" is missing; expected the image version, e.g. "1.0.0".`,
    );
  }
  assertTag(version, `${file}: field "version"`);
  const bundle = image?.bundle;
  if (bundle !== undefined && (typeof bundle !== 'string' || !existsSync(join(dir, bundle)))) {
    throw new ConfigError(
      `${file}: field "image.bundle" names ${JSON.stringify(bundle)}, which does not exist in ${dir}.`,
    );
  }
  return { dir, name: basename(dir), version, bundle };
}

/**
 * Builds a platform image through the Docker engine API. The build context is the project
 * folder plus, under `node_modules/`, the production closure of its npm dependencies (for the
 * datakit base: pg-native and libpq, compiled against Node 24's headers by `npm ci`), or, when
 * the project names a TypeScript entry in `image.bundle`, that entry bundled as `dist/main.mjs`.
 */
export async function buildPlatformImage(
  root: string,
  engine: DockerEngine,
  project: PlatformProject,
  ref: string,
  onEvent?: (event: ProgressEvent) => void,
): Promise<{ imageId: string }> {
  const context = mkdtempSync(join(tmpdir(), `datakit-${project.name}-`));
  try {
    cpSync(project.dir, context, {
      recursive: true,
      filter: (source) => !/\/(node_modules|dist)(\/|$)/.test(source.slice(project.dir.length)),
    });
    if (project.bundle !== undefined) {
      await bundleEntry(
        root,
        relative(root, join(project.dir, project.bundle)),
        join(context, 'dist', 'main.mjs'),
      );
    } else {
      stageDependencies(project.dir, join(context, 'node_modules'));
    }
    return await engine.buildImage({
      context,
      tags: [ref],
      labels: {
        'org.opencontainers.image.title': project.name,
        'org.opencontainers.image.version': project.version,
      },
      ...(onEvent === undefined ? {} : { onEvent }),
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
