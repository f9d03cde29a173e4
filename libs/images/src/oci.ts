import {
  MediaType,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
} from '@datakit/registry';
import type { Layer } from './_layer.ts';

export type { Descriptor, ImageConfig, ImageManifest };

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
  const env = (base.config?.Env ?? []).filter(
    (entry) => !((entry.split('=')[0] ?? '') in options.env),
  );
  env.push(...Object.entries(options.env).map(([k, v]) => `${k}=${v}`));
  const history = Array.isArray(base.history) ? (base.history as unknown[]) : [];
  return {
    architecture: base.architecture ?? 'amd64',
    os: base.os ?? 'linux',
    created: options.created,
    config: {
      ...base.config,
      Env: env,
      Labels: sortKeys({ ...(base.config?.Labels ?? {}), ...options.labels }),
    },
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), layer.diffId] },
    history: [
      ...history,
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
  const oci = base.mediaType === MediaType.OciManifest;
  return {
    schemaVersion: 2,
    mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
    config: {
      mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig,
      digest: config.digest,
      size: config.size,
    },
    layers: [
      ...base.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      {
        mediaType: oci ? MediaType.OciLayerGzip : MediaType.DockerLayerGzip,
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
