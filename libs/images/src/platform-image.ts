import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { buildContextDigest, type DockerEngine, type ProgressEvent } from '@datakit/docker';
import { ConfigError } from '@datakit/errors';
import { stageDependencies } from './_closure.ts';
import { bundleEntry } from './bundle-datakit.ts';
import { assertTag } from './datakit-project.ts';
import type { ImageManifest } from './oci.ts';
import { TagExistsError, type PushResult } from './push-datakit-image.ts';

/**
 * Label of a platform image: a digest over what it was built from (its build context, with
 * each npm dependency counted by name and version, and its base image), so that an image built
 * from the same sources in another checkout, whose compiled bytes differ, is known as the same.
 */
export const SOURCE_DIGEST_LABEL = 'dev.datakit.source.digest';

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
): Promise<{ imageId: string; sourceDigest: string }> {
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
    const sourceDigest = await contextSourceDigest(engine, context);
    const { imageId } = await engine.buildImage({
      context,
      tags: [ref],
      labels: {
        'org.opencontainers.image.title': project.name,
        'org.opencontainers.image.version': project.version,
        [SOURCE_DIGEST_LABEL]: sourceDigest,
      },
      ...(onEvent === undefined ? {} : { onEvent }),
    });
    return { imageId, sourceDigest };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * The source digest of a staged build context: every file but those of `node_modules/`, which
 * count by each package's name and version (a compiled addon differs from build to build),
 * and the id of the image the Dockerfile starts FROM on this engine.
 */
async function contextSourceDigest(engine: DockerEngine, context: string): Promise<string> {
  const from = /^FROM\s+(\S+)/im.exec(readFileSync(join(context, 'Dockerfile'), 'utf8'))?.[1];
  const base = from === undefined ? undefined : await engine.imageInfo(from);
  const hex = buildContextDigest(context, base?.id ?? 'none', (name, path) => {
    if (!name.startsWith(`node_modules${sep}`)) return readFileSync(path);
    if (basename(name) !== 'package.json') return undefined;
    const { name: pkg, version } = JSON.parse(readFileSync(path, 'utf8')) as {
      name?: string;
      version?: string;
    };
    return `${pkg ?? ''}@${version ?? ''}`;
  });
  return `sha256:${hex}`;
}

/** The registry reads a platform push needs (the registry client provides them). */
export interface PlatformRegistry {
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  manifest(repository: string, reference: string): Promise<{ digest: string; manifest: unknown }>;
  labels(repository: string, reference: string): Promise<Record<string, string>>;
}

/**
 * Builds a platform image through the engine and pushes it, versions being immutable: a tag
 * the registry holds with the same image, or with an image built from the same sources
 * elsewhere (same source digest), is left as it is (`unchanged`, the registry's image kept);
 * a tag holding anything else is refused with a `TagExistsError`.
 */
export async function pushPlatformImage(
  root: string,
  engine: DockerEngine,
  project: PlatformProject,
  registry: PlatformRegistry,
  registryHost: string,
  onProgress: (message: string) => void = () => undefined,
): Promise<Omit<PushResult, 'blobs'>> {
  const reference = `${registryHost}/${project.name}:${project.version}`;
  const { imageId, sourceDigest } = await buildPlatformImage(root, engine, project, reference);
  const existing = await registry.resolveTag(project.name, project.version);
  if (existing !== undefined) {
    const { manifest } = await registry.manifest(project.name, project.version);
    const same = (manifest as Partial<ImageManifest>).config?.digest === imageId;
    if (!same) {
      const labels = await registry.labels(project.name, project.version);
      if (labels[SOURCE_DIGEST_LABEL] !== sourceDigest) {
        throw new TagExistsError(reference, existing, `an image with config ${imageId}`);
      }
      onProgress(`${reference} in the registry was built from the same sources elsewhere: kept`);
    }
    return { reference, digest: existing, outcome: 'unchanged', bytesUploaded: 0 };
  }
  // The engine reports each layer it sends with its total size; layers the registry already
  // had are reported as "Layer already exists" and cost nothing.
  const layerSizes = new Map<string, number>();
  const { digest } = await engine.pushImage(reference, (event) => {
    if (event.status === 'Pushing' && event.id && event.progressDetail?.total) {
      layerSizes.set(event.id, event.progressDetail.total);
    }
    if (event.status === 'Pushed' && event.id) onProgress(`pushed layer ${event.id}`);
  });
  const bytesUploaded = [...layerSizes.values()].reduce((sum, size) => sum + size, 0);
  return { reference, digest, outcome: 'pushed', bytesUploaded };
}
