import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { formatFiles, type GeneratorCallback, type Tree } from '@nx/devkit';

/**
 * Links a generated workspace package so other projects import it by name at once: the
 * `node_modules/@datakit/<name>` symlink npm workspaces make, then (unless `skipInstall`)
 * `npm install`, which records the new workspace in package-lock.json (`npm ci` refuses a lock
 * that lacks it).
 */
export function linkPackage(
  root: string,
  packageName: string,
  projectRoot: string,
  skipInstall: boolean,
): GeneratorCallback {
  return () => {
    const link = join(root, 'node_modules', packageName);
    if (!existsSync(link) && !isSymlink(link)) {
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), join(root, projectRoot)), link);
    }
    if (skipInstall) return;
    const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (run.status !== 0) {
      throw new Error(
        `npm install failed (exit ${run.status}); ${packageName} is linked, but package-lock.json does not list it yet: run npm install in ${root}.`,
      );
    }
  };
}

/**
 * The end of every generator that writes a package: formats what it wrote as the repository's
 * Prettier wants it, then links the package; a run that changed nothing installs nothing.
 */
export async function formatAndLink(
  tree: Tree,
  packageName: string,
  projectRoot: string,
  skipInstall: boolean,
): Promise<GeneratorCallback> {
  await formatFiles(tree);
  const changed = tree.listChanges().length > 0;
  return linkPackage(tree.root, packageName, projectRoot, !changed || skipInstall);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
