import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** One file of an application layer. */
export interface LayerFile {
  /** Path inside the image, without a leading slash, e.g. `app/main.mjs`. */
  path: string;
  content: Buffer;
  /** Default 0o644. */
  mode?: number;
}

/** A layer as the registry sees it: compressed bytes and both digests. */
export interface Layer {
  /** The gzip-compressed tar, what is uploaded. */
  gzip: Buffer;
  /** sha256 of `gzip`, the blob digest. */
  digest: string;
  /** sha256 of the uncompressed tar, the config's `rootfs.diff_ids` entry. */
  diffId: string;
  size: number;
}

/**
 * Writes a reproducible layer the way ko and Jib do: entries sorted, parent folders listed,
 * every mtime the same fixed instant, owner root, fixed modes, no user or group names; gzip
 * with no file name and a zero mtime in its header. The same files give the same digest.
 */
export async function createLayer(files: LayerFile[], mtime: Date): Promise<Layer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', () => resolve());
    tar.on('error', reject);
  });
  const header = { mtime, uid: 0, gid: 0, uname: '', gname: '' };
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [
    ...[...dirs].map((name) => ({ name: `${name}/`, dir: true as const })),
    ...files.map((file) => ({ name: file.path, dir: false as const, file })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.dir) {
      tar.entry({ ...header, name: entry.name, type: 'directory', mode: 0o755 });
    } else {
      tar.entry(
        { ...header, name: entry.name, mode: entry.file.mode ?? 0o644 },
        entry.file.content,
      );
    }
  }
  tar.finalize();
  await ended;
  const raw = Buffer.concat(chunks);
  const gzip = gzipSync(raw, { level: 9 });
  return { gzip, digest: sha256(gzip), diffId: sha256(raw), size: gzip.length };
}

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
