/** A content descriptor: what a manifest says about a blob or a child manifest. */
export interface Descriptor {
  /** The media type of the referenced content. */
  mediaType: string;
  /** Its digest, e.g. `sha256:3f0c...`. */
  digest: string;
  /** Its size in bytes. */
  size: number;
  /** Where non-distributable (foreign) layers can be fetched; such blobs are never copied. */
  urls?: string[];
  /** Free-form annotations. */
  annotations?: Record<string, string>;
  /** For the entries of an index: the platform the child manifest is for. */
  platform?: Platform;
}

/** An operating system and CPU architecture, as in an index entry. */
export interface Platform {
  /** `linux`, `windows`. */
  os: string;
  /** `amd64`, `arm64`. */
  architecture: string;
  /** `v8` for arm64, when it matters. */
  variant?: string;
}

/** An OCI image manifest or a Docker v2 schema 2 manifest. */
export interface ImageManifest {
  /** Always 2. */
  schemaVersion: 2;
  /** The manifest's own media type; OCI allows leaving it out. */
  mediaType?: string;
  /** The image config blob. */
  config: Descriptor;
  /** The layers, base first. */
  layers: Descriptor[];
  /** Free-form annotations. */
  annotations?: Record<string, string>;
}

/** An OCI image index or a Docker manifest list: one manifest per platform. */
export interface ImageIndex {
  /** Always 2. */
  schemaVersion: 2;
  /** The index's own media type; OCI allows leaving it out. */
  mediaType?: string;
  /** The child manifests. */
  manifests: Descriptor[];
  /** Free-form annotations. */
  annotations?: Record<string, string>;
}

/** A manifest as read from the registry, its digest checked against its bytes. */
export interface FetchedManifest {
  /** The manifest digest (`sha256:` of `raw`). */
  digest: string;
  /** Its media type (from `Content-Type`, else from the body). */
  mediaType: string;
  /** Its size in bytes. */
  size: number;
  /** The parsed manifest. */
  manifest: ImageManifest | ImageIndex;
  /** The exact bytes; push these (not a re-serialisation) to keep the digest. */
  raw: Buffer;
}

/** The part of an image config the platform reads. */
export interface ImageConfig {
  /** The CPU architecture, e.g. `amd64`. */
  architecture?: string;
  /** The operating system, e.g. `linux`. */
  os?: string;
  /** How to run the image. */
  config?: {
    /** The image labels (OCI annotations such as `org.opencontainers.image.version`). */
    Labels?: Record<string, string> | null;
    /** `NAME=value` environment entries. */
    Env?: string[];
    /** The entrypoint. */
    Entrypoint?: string[];
    /** The default arguments. */
    Cmd?: string[];
    /** The user the image runs as. */
    User?: string;
  };
  /** The uncompressed digests of the layers, base first. */
  rootfs?: { type: string; diff_ids: string[] };
  /** Everything else of the config (history, created), untyped. */
  [key: string]: unknown;
}

/** Bytes to upload: a buffer, or a stream read once (web or Node). */
export type BlobSource = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A blob being downloaded. */
export interface BlobStream {
  /** Its size from `Content-Length`, when the registry sent one. */
  size: number | undefined;
  /** The bytes, unverified: the receiving registry checks the digest on upload. */
  stream: ReadableStream<Uint8Array>;
}

/** Credentials for a registry: a username and password, or a ready bearer token. */
export type RegistryAuth =
  | {
      /** The user name sent with Basic auth and to the token service. */
      username: string;
      /** The password (or an access token used as one); never printed. */
      password: string;
    }
  | {
      /** A bearer token sent as is on every request; never printed. */
      token: string;
    };

/** Options of `createRegistryClient`. */
export interface RegistryClientOptions {
  /**
   * The registry's URL, e.g. `http://127.0.0.1:5000` or `https://registry.example.com`. Without
   * a scheme, loopback hosts get `http://` and every other host `https://`. Plain HTTP is refused
   * for any host other than `localhost`, `127.0.0.1` and `::1` unless `insecure` is set.
   */
  url: string;
  /**
   * Credentials; anonymous when absent. A function is called once, when the registry first asks
   * for credentials (a 401), so a secret is read only for a registry that needs it; it may
   * return undefined (anonymous).
   */
  auth?: RegistryAuth | (() => Promise<RegistryAuth | undefined>);
  /**
   * Certificate authorities (PEM) trusted for this registry's TLS, in addition to Node's; for a
   * private registry whose certificate a private CA signed. Verification stays on.
   */
  ca?: string | Buffer;
  /** Allow plain HTTP to a non-loopback host. It does not turn off TLS verification. */
  insecure?: boolean;
  /** Milliseconds to wait for an answer (headers and buffered bodies). Default 30000. */
  timeoutMs?: number;
  /** Entries asked for per page of `catalog()` and `tags()`. Default 1000. */
  pageSize?: number;
  /** Bytes per PATCH when uploading a stream. Default 8 MiB. */
  chunkSize?: number;
}
