import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What stands for one file of a build context in its digest: its bytes (the default), other
 * text or bytes (e.g. a package's name and version for a dependency compiled on this machine),
 * or undefined to leave the file out.
 */
export type ContextContent = (relativePath: string, path: string) => Buffer | string | undefined;

/**
 * A hex sha256 over a build context (each file's path relative to `dir` and its content, in
 * sorted order) and a seed such as the base image id: equal digests mean equal build inputs,
 * so an image labelled with it needs no rebuild, or a registry's image with it is the same
 * build even if its bytes differ.
 */
export function buildContextDigest(dir: string, seed: string, content?: ContextContent): string {
  const hash = createHash('sha256').update(seed);
  const walk = (current: string): void => {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const name = relative(dir, path);
      const bytes = content === undefined ? readFileSync(path) : content(name, path);
      if (bytes !== undefined) hash.update(`\0${name}\0`).update(bytes);
    }
  };
  walk(dir);
  return hash.digest('hex');
}
