import { join } from 'node:path';
import { build } from 'esbuild';
import { ConfigError } from '@datakit/errors';
import type { DatakitProject } from './datakit-project.ts';

/** What bundling produced. */
export interface BundleResult {
  /** The single ESM file, e.g. `<project>/dist/bundle/main.mjs`. */
  file: string;
  /** Repository-relative paths of every source file that went in, sorted. */
  inputs: string[];
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
  );
}

/**
 * Native addons the base image ships in its NODE_PATH; external to every bundle, and loaded
 * only with require() (an ESM import does not search NODE_PATH).
 */
const NATIVE_ADDONS: readonly string[] = ['pg-native', 'msnodesqlv8', 'kerberos'];

/**
 * Bundles one TypeScript entry (path relative to the repository root) into one ESM file for
 * Node 24. Used for datakits and for platform images that run TypeScript (the sidecar).
 */
export async function bundleEntry(
  root: string,
  entry: string,
  file: string,
): Promise<BundleResult> {
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: file,
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
    return { file, inputs: Object.keys(result.metafile.inputs).sort() };
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
