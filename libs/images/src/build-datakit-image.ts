import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { ConfigError, RegistryError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import { createLayer, sha256 } from './_layer.ts';
import {
  appendLayerConfig,
  appendLayerManifest,
  type ImageConfig,
  type ImageManifest,
} from './oci.ts';
import { formatBreakingChanges, readBreakingChanges } from './breaking-changes.ts';
import { bundleDatakit } from './bundle-datakit.ts';
import { sourceRevision, type DatakitProject } from './datakit-project.ts';
import { readSpec, type DatakitSpec } from './read-spec.ts';

/** Labels every datakit image carries (OCI names where OCI has one). */
export const LABELS = {
  title: 'org.opencontainers.image.title',
  version: 'org.opencontainers.image.version',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
  contractHash: 'dev.datakit.contract.hash',
  spec: 'dev.datakit.spec',
  /** The breaking-change notes of every major version (see `breaking-changes.json`). */
  breakingChanges: 'dev.datakit.breaking-changes',
} as const;

/** Reads the base image from the registry: its manifest by tag and its config blob. */
export interface BaseImageReader {
  manifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; manifest: ImageManifest }>;
  config(repository: string, manifest: ImageManifest): Promise<ImageConfig>;
}

/**
 * The base-image reader over a registry client. A multi-platform base (an index) resolves to
 * its linux/amd64 image, where datakits run.
 */
export function registryBaseReader(client: RegistryClient): BaseImageReader {
  return {
    manifest: async (repository, reference) => {
      let fetched = await client.manifest(repository, reference);
      if ('manifests' in fetched.manifest) {
        const entry = fetched.manifest.manifests.find(
          (m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64',
        );
        if (!entry) {
          throw new RegistryError(
            `${repository}:${reference} has no linux/amd64 image.`,
            `${client.url}/v2/${repository}/manifests/${reference}`,
          );
        }
        fetched = await client.manifest(repository, entry.digest);
      }
      return { digest: fetched.digest, manifest: fetched.manifest as ImageManifest };
    },
    config: (repository, manifest) => client.config(repository, manifest),
  };
}

/** A datakit image assembled on disk (an OCI layout under `<project>/dist/image`). */
export interface BuiltImage {
  repository: string;
  tag: string;
  /** The manifest digest the registry will report after the push. */
  digest: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  config: ImageConfig;
  configBytes: Buffer;
  /** The application layer; base layers stay in the registry and are referenced by digest. */
  layer: { digest: string; size: number; gzip: Buffer };
  base: { repository: string; tag: string; digest: string };
  spec: DatakitSpec;
  contractHash: string;
  /** `<project>/dist/image`. */
  layoutDir: string;
}

/**
 * Builds a datakit image without a Docker build: bundles the code, asks the bundle for its
 * spec, writes one reproducible layer (`/app/main.mjs`, the chunks it imports on demand under
 * `/app/chunks/`, `/app/spec.json`) on top of the base
 * image referenced by digest, and writes config and manifest with fixed timestamps. The same
 * sources and base give the same digest on any machine.
 */
export async function buildDatakitImage(
  project: DatakitProject,
  root: string,
  registry: BaseImageReader,
): Promise<BuiltImage> {
  // The base image is read from the registry while the code is bundled and asked for its spec.
  const [{ bundle, spec, json, contractHash }, { base, baseConfig }] = await Promise.all([
    bundleDatakit(project, root).then(async (bundle) => ({
      bundle,
      ...(await readSpec(project, bundle.file)),
    })),
    registry.manifest(project.base.repository, project.base.tag).then(async (base) => ({
      base,
      baseConfig: await registry.config(project.base.repository, base.manifest),
    })),
  ]);
  // The revision is the last commit that changed a file that went into the bundle (or the
  // project's package.json): commits elsewhere in the repository leave the digest alone.
  // (Third-party packages, and in a release tree those linked from outside it, are not.)
  const inputs = bundle.inputs.filter(
    (path) => !path.startsWith('node_modules/') && !path.startsWith('../'),
  );
  const { revision, created } = sourceRevision(root, [
    join(project.path, 'package.json'),
    ...inputs,
  ]);

  // The entry and the chunks it imports on demand, in the folder they were bundled into.
  const folder = dirname(bundle.file);
  const layer = await createLayer(
    [
      ...bundle.files.map((file) => ({
        path: posix.join('app', file),
        content: readFileSync(join(folder, file)),
      })),
      { path: 'app/spec.json', content: Buffer.from(`${json}\n`) },
    ],
    new Date(created),
  );
  const labels: Record<string, string> = {
    [LABELS.title]: project.name,
    [LABELS.version]: project.version,
    [LABELS.revision]: revision,
    [LABELS.created]: created,
    [LABELS.source]: process.env.DATAKIT_SOURCE_URL ?? project.path,
    [LABELS.baseName]: `${project.base.repository}:${project.base.tag}`,
    [LABELS.baseDigest]: base.digest,
    [LABELS.contractHash]: contractHash,
    [LABELS.spec]: json,
  };
  // Only a datakit that has broke once carries the label: other images keep their digests.
  const notes = readBreakingChanges(project.dir);
  if (Object.keys(notes).length > 0) labels[LABELS.breakingChanges] = formatBreakingChanges(notes);
  const config = appendLayerConfig(baseConfig, layer, {
    created,
    labels,
    env: { DATAKIT_NAME: project.name, DATAKIT_VERSION: project.version },
  });
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = appendLayerManifest(
    base.manifest,
    { digest: sha256(configBytes), size: configBytes.length },
    layer,
  );
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const built: BuiltImage = {
    repository: project.name,
    tag: project.version,
    digest: sha256(manifestBytes),
    manifest,
    manifestBytes,
    config,
    configBytes,
    layer: { digest: layer.digest, size: layer.size, gzip: layer.gzip },
    base: { ...project.base, digest: base.digest },
    spec,
    contractHash,
    layoutDir: join(project.dir, 'dist', 'image'),
  };
  writeLayout(built);
  return built;
}

/**
 * Writes the image as an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`)
 * holding our config, layer and manifest; base layers are referenced, not copied.
 */
function writeLayout(image: BuiltImage): void {
  rmSync(image.layoutDir, { recursive: true, force: true });
  const blobs = join(image.layoutDir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (digest: string, bytes: Buffer): void =>
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), bytes);
  put(image.manifest.config.digest, image.configBytes);
  put(image.layer.digest, image.layer.gzip);
  put(image.digest, image.manifestBytes);
  writeFileSync(join(image.layoutDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: image.manifest.mediaType,
        digest: image.digest,
        size: image.manifestBytes.length,
        annotations: {
          'org.opencontainers.image.ref.name': image.tag,
          'dev.datakit.repository': image.repository,
          [LABELS.baseDigest]: image.base.digest,
          [LABELS.baseName]: `${image.base.repository}:${image.base.tag}`,
        },
      },
    ],
  };
  writeFileSync(join(image.layoutDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}

/**
 * Reads back an image that `buildDatakitImage` wrote (what the Nx `push` target does after a
 * cached `image` target restored `dist/image`). Errors say to build first.
 */
export function loadImageLayout(layoutDir: string): BuiltImage {
  const blob = (digest: string): Buffer =>
    readFileSync(join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  let index: {
    manifests: { digest: string; annotations: Record<string, string> }[];
  };
  try {
    index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as typeof index;
  } catch (cause) {
    throw new ConfigError(`${layoutDir} holds no built image.`, {
      cause,
      hint: 'Build it first: `datakit images build <project>` (or `nx run <project>:image`).',
    });
  }
  const [entry] = index.manifests;
  if (!entry) throw new ConfigError(`${join(layoutDir, 'index.json')} lists no manifest.`);
  const manifestBytes = blob(entry.digest);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
  const configBytes = blob(manifest.config.digest);
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const appLayer = manifest.layers.at(-1);
  if (!appLayer) throw new ConfigError(`The manifest in ${layoutDir} has no layers.`);
  const labels = config.config?.Labels ?? {};
  const [baseRepository = '', baseTag = ''] = (entry.annotations[LABELS.baseName] ?? ':').split(
    ':',
  );
  return {
    repository: entry.annotations['dev.datakit.repository'] ?? '',
    tag: entry.annotations['org.opencontainers.image.ref.name'] ?? '',
    digest: entry.digest,
    manifest,
    manifestBytes,
    config,
    configBytes,
    layer: { digest: appLayer.digest, size: appLayer.size, gzip: blob(appLayer.digest) },
    base: {
      repository: baseRepository,
      tag: baseTag,
      digest: entry.annotations[LABELS.baseDigest] ?? '',
    },
    spec: JSON.parse(labels[LABELS.spec] ?? '{}') as DatakitSpec,
    contractHash: labels[LABELS.contractHash] ?? '',
    layoutDir,
  };
}
