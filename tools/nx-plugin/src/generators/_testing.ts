// Test helpers of the generators: run one on a virtual tree formatted as the repository is,
// write what it made to a temporary folder that resolves the workspace's packages, import it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { updateJson, workspaceRoot, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

/** A virtual workspace with the repository's Prettier config, so formatFiles formats alike. */
export function repositoryTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // The empty workspace formats with oxfmt; the repository formats with Prettier.
  tree.delete('.oxfmtrc.json');
  tree.write('.prettierrc.json', readFileSync(join(workspaceRoot, '.prettierrc.json')));
  updateJson(tree, 'package.json', (json: { devDependencies?: Record<string, string> }) => ({
    ...json,
    devDependencies: { ...json.devDependencies, prettier: '*' },
  }));
  return tree;
}

/** A temporary folder laid out like the workspace (tsconfig.base.json, node_modules). */
export function scratchWorkspace(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'datakit-gen-'));
  symlinkSync(join(workspaceRoot, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  symlinkSync(join(workspaceRoot, 'node_modules'), join(dir, 'node_modules'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the files the tree made under `project` into `dir` and imports its `src/index.ts`. */
export async function importGenerated(
  tree: Tree,
  dir: string,
  project: string,
): Promise<Record<string, unknown>> {
  for (const change of tree.listChanges()) {
    if (!change.path.startsWith(`${project}/`) || change.content === null) continue;
    const file = join(dir, change.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, change.content);
  }
  return (await import(pathToFileURL(join(dir, project, 'src/index.ts')).href)) as Record<
    string,
    unknown
  >;
}
