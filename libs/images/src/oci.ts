import type { Layer } from './_layer.ts';

/** Media types of the two manifest families a registry serves. */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A single-platform image manifest (Docker v2 schema 2 or OCI). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config this platform reads and writes. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

/**
 * The config of an image made of a base image plus one application layer: the base's settings
 * kept, labels and environment added, the layer's diff id appended, a history entry for it.
 * Keys are written in a fixed order, so the same inputs give the same bytes.
 */
export function appendLayerConfig(
  base: ImageConfig,
  layer: Layer,
  options: { created: string; labels: Record<string, string>; env: Record<string, string> },
): ImageConfig {
  const env = (base.config.Env ?? []).filter((entry) => {
    const name = entry.split('=')[0] ?? '';
    return !(name in options.env);
  });
  env.push(...Object.entries(options.env).map(([k, v]) => `${k}=${v}`));
  return {
    architecture: base.architecture,
    os: base.os,
    created: options.created,
    config: {
      ...base.config,
      Env: env,
      Labels: sortKeys({ ...(base.config.Labels ?? {}), ...options.labels }),
    },
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, layer.diffId] },
    history: [
      ...(base.history ?? []),
      {
        created: options.created,
        created_by: 'datakit images build',
        comment: 'datakit bundle and spec',
      },
    ],
  };
}

/** The manifest of base layers plus the application layer, in the base manifest's family. */
export function appendLayerManifest(
  base: ImageManifest,
  config: { digest: string; size: number },
  layer: Layer,
): ImageManifest {
  const oci = base.mediaType === MEDIA_TYPES.ociManifest;
  return {
    schemaVersion: 2,
    mediaType: oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest,
    config: {
      mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig,
      digest: config.digest,
      size: config.size,
    },
    layers: [
      ...base.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      {
        mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer,
        digest: layer.digest,
        size: layer.size,
      },
    ],
  };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
