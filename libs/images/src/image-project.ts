import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { readDatakitProject, type DatakitProject } from './datakit-project.ts';
import { readPlatformProject, type PlatformProject } from './platform-image.ts';

/** A project that builds an image: a datakit (assembled) or a platform image (Docker build). */
export type ImageProject =
  { kind: 'datakit'; project: DatakitProject } | { kind: 'platform'; project: PlatformProject };

/**
 * Finds the project a user named: a folder (`datakits/hello`), a folder name (`hello`,
 * `datakit-base`) or a package name (`@datakit/hello`). Errors list where it looked.
 */
export function resolveImageProject(name: string, root: string): ImageProject {
  const candidates = isAbsolute(name)
    ? [name]
    : [
        resolve(root, name),
        join(root, 'datakits', name.replace(/^@datakit\//, '')),
        join(root, 'platform', name.replace(/^@datakit\//, '')),
      ];
  for (const dir of candidates) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      datakit?: unknown;
    };
    if (manifest.datakit !== undefined)
      return { kind: 'datakit', project: readDatakitProject(dir, root) };
    if (existsSync(join(dir, 'Dockerfile')))
      return { kind: 'platform', project: readPlatformProject(dir) };
  }
  throw new ConfigError(`No image project named "${name}".`, {
    hint: `Looked for a package.json with a "datakit" field, or a Dockerfile, in:\n${candidates.map((c) => `  ${c}`).join('\n')}`,
  });
}
