/** Media types of the manifests the client reads and writes. */
export const MediaType = {
  /** An OCI image index: a list of manifests, one per platform. */
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  /** An OCI image manifest: a config and layers. */
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  /** Docker's manifest list, the ancestor of the OCI index. */
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  /** Docker image manifest v2, schema 2. */
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  /** The OCI image config blob. */
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  /** Docker's image config blob. */
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  /** A gzip-compressed OCI layer. */
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  /** A gzip-compressed Docker layer. */
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** One of the known media types. */
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/**
 * Every manifest type the client accepts, sent on every manifest GET and HEAD. The registry
 * answers with a type from this list; a shorter list can make it convert the manifest (and the
 * digest then differs from the one that was pushed).
 */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
];

/** True for the two list types (OCI index, Docker manifest list). */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaType.OciIndex || mediaType === MediaType.DockerManifestList;
}
