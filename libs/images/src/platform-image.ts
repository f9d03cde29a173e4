import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DockerEngine, ProgressEvent } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { stageDependencies } from './_closure.ts';
import { assertTag } from './datakit-project.ts';

/** A platform image project: a folder with a Dockerfile and a versioned package.json. */
export interface PlatformProject {
  dir: string;
  /** The registry repository, the folder name (e.g. `datakit-base`). */
  name: string;
  version: string;
}

/** Reads a platform project; errors name the file and field. */
export function readPlatformProject(dir: string): PlatformProject {
  const file = join(dir, 'package.json');
  if (!existsSync(join(dir, 'Dockerfile'))) {
    throw new ConfigError(`${dir} has no Dockerfile: it is not a platform image project.`);
  }
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
  if (typeof version !== 'string') {
    throw new ConfigError(
      `${file}: field "version" is missing; expected the image version, e.g. "1.0.0".`,
    );
  }
  assertTag(version, `${file}: field "version"`);
  return { dir, name: basename(dir), version };
}

/**
 * Builds a platform image through the Docker engine API. The build context is the project
 * folder plus, under `node_modules/`, the production closure of its npm dependencies (for the
 * datakit base: pg-native and libpq, compiled against Node 24's headers by `npm ci`).
 */
export async function buildPlatformImage(
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
    stageDependencies(project.dir, join(context, 'node_modules'));
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
