import { rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { ConfigError } from '@datakit/errors';
import type { DatakitProject } from './datakit-project.ts';

/** What bundling produced. */
export interface BundleResult {
  /** The entry's ESM file, e.g. `<project>/dist/bundle/main.mjs`. */
  file: string;
  /**
   * Every file written, relative to the entry file's folder, sorted: `main.mjs`, and with
   * `split` the chunks it imports on demand (`chunks/<name>-<hash>.mjs`).
   */
  files: string[];
  /** Repository-relative paths of every source file that went in, sorted. */
  inputs: string[];
}

/** Options of {@link bundleEntry}. */
export interface BundleOptions {
  /**
   * Code a dynamic `import()` loads (the SQL Server driver stack) goes into chunk files beside
   * the entry, read and compiled only by a run that imports it: a PostgreSQL run compiles 1.6
   * MB instead of 4.9 (about 50 ms of its start). One split bundle per folder: its `chunks/`
   * folder is emptied first.
   */
  split?: boolean;
}

/**
 * Bundles a datakit and the libraries it imports into one ESM file for Node 24, so the image
 * needs no node_modules of its own. Native addons (pg-native, msnodesqlv8, kerberos) stay external:
 * the base image ships them. Paths are relative to the repository root, so two clones give the same bytes.
 */
export async function bundleDatakit(project: DatakitProject, root: string): Promise<BundleResult> {
  return bundleEntry(
    root,
    join(project.path, project.entry),
    join(project.dir, 'dist', 'bundle', 'main.mjs'),
    { split: true },
  );
}

/**
 * Native addons the base image ships in its NODE_PATH; external to every bundle, and loaded
 * only with require() (an ESM import does not search NODE_PATH).
 */
const NATIVE_ADDONS: readonly string[] = ['pg-native', 'msnodesqlv8', 'kerberos'];

/**
 * Bundles one TypeScript entry (path relative to the repository root) into one ESM file for
 * Node 24 (with `split`, and its chunks). Used for datakits (split) and for platform images
 * that run TypeScript (the sidecar, one file).
 */
export async function bundleEntry(
  root: string,
  entry: string,
  file: string,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const outdir = dirname(file);
  // Chunks of an earlier bundle would otherwise stay (and go into the image).
  if (options.split) rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
  try {
    const result = await build({
      absWorkingDir: root,
      ...(options.split
        ? {
            entryPoints: { [basename(file, '.mjs')]: entry },
            outdir,
            splitting: true,
            chunkNames: 'chunks/[name]-[hash]',
            outExtension: { '.js': '.mjs' },
          }
        : { entryPoints: [entry], outfile: file }),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      // Native addons load from the datakit base image's node_modules (NODE_PATH).
      external: [...NATIVE_ADDONS],
      // CommonJS dependencies (pg, its friends) call require(): give the ESM bundle one.
      banner: {
        js: "import { createRequire as __datakitCreateRequire } from 'node:module';\nconst require = __datakitCreateRequire(import.meta.url);",
      },
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
    });
    const imported = Object.values(result.metafile.outputs)
      .flatMap((output) => output.imports)
      .find((i) => i.external && i.kind !== 'require-call' && NATIVE_ADDONS.includes(i.path));
    if (imported !== undefined) {
      throw new ConfigError(
        `Bundling ${entry}: the native addon ${imported.path} is loaded with an ESM import, which does not search the base image's NODE_PATH: it would fail in the container.`,
        { hint: `Load it with require(): createRequire(import.meta.url)('${imported.path}').` },
      );
    }
    const files = Object.keys(result.metafile.outputs)
      .map((output) => relative(outdir, join(root, output)))
      .sort();
    return { file, files, inputs: Object.keys(result.metafile.inputs).sort() };
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const errors =
      (cause as { errors?: { text: string; location?: { file: string; line: number } }[] })
        .errors ?? [];
    const detail = errors
      .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
      .join('\n');
    throw new ConfigError(`Bundling ${entry} failed.`, { cause, hint: detail || undefined });
  }
}
