import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ConfigError } from '@datakit/errors';
import type { DesiredState } from '../../desired-state.ts';
import type { DockerHostPaths } from './config.ts';
import { jobSecretFiles, sidecarSecretFiles, type SecretFile } from './map-secret-files.ts';

/**
 * Host folders no environment may mount, nor mount a folder that holds one: the system's
 * configuration, kernel and device files, the Docker engine (its socket and data) and the
 * like. Paths are compared after symbolic links are resolved.
 */
export const SENSITIVE_HOST_PATHS = [
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/run',
  '/var/run',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/kubelet',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
] as const;

/** Folders that hold a user's credentials wherever they are (`~/.ssh`, ...). */
const PRIVATE_FOLDER_NAMES = new Set(['.ssh', '.gnupg', '.docker', '.kube', '.aws', '.azure']);

/**
 * Checks every host path a Docker deploy would mount before anything is created: `secretsDir`
 * and `krb5ConfigFile` exist (Docker would otherwise create an empty folder in their place),
 * are a folder and a file, and are not a sensitive host path; every secret file a container
 * gets exists in `secretsDir` as a regular file and does not lead out of it through a link.
 *
 * @throws ConfigError naming warehouse.yaml and each field, listing every problem at once.
 */
export function checkHostPaths(state: DesiredState, paths: DockerHostPaths): void {
  const env = `environments.${state.environmentName}`;
  const problems: string[] = [];
  const secretsDir = checkPath(paths.secretsDir, `${env}.secretsDir`, 'folder', problems);
  checkPath(paths.krb5ConfigFile, `${env}.krb5ConfigFile`, 'file', problems);
  const files: SecretFile[] = [
    ...sidecarSecretFiles(state),
    ...state.jobs.flatMap((job) => jobSecretFiles(state, job)),
  ];
  if (files.length > 0 && paths.secretsDir === undefined) {
    problems.push(
      `  ${env}.secretsDir: is not set, but ${[...new Set(files.map((f) => f.field))].join(', ')} reference${files.length === 1 ? 's' : ''} files in it`,
    );
  }
  if (secretsDir !== undefined) {
    for (const file of files) {
      const path = join(paths.secretsDir!, file.relativePath);
      const real = realPath(path);
      if (typeof real === 'object') {
        problems.push(
          real.denied
            ? `  ${file.field}: ${path} cannot be checked: permission denied (datakit mounts only what it can check; run it as a user who can read ${env}.secretsDir, e.g. root)`
            : `  ${file.field}: ${path} does not exist (looked for it in ${env}.secretsDir)`,
        );
      } else if (!real.startsWith(`${secretsDir}${sep}`)) {
        problems.push(
          `  ${file.field}: ${path} is a link that leads out of ${env}.secretsDir, to ${real}`,
        );
      } else if (!statSync(real).isFile()) {
        problems.push(`  ${file.field}: ${path} is not a file`);
      }
    }
  }
  if (problems.length === 0) return;
  throw new ConfigError(
    `${join(state.dir, 'warehouse.yaml')}: the Docker environment "${state.environmentName}" mounts host paths that cannot be used; nothing was created:\n${[...new Set(problems)].join('\n')}`,
    {
      hint: 'Host paths are relative to the warehouse folder; a secretsDir holds only the secret files its references name.',
    },
  );
}

/** Why `path` may not be mounted, or undefined; `path` has its links resolved. */
export function sensitivePathProblem(path: string): string | undefined {
  if (path === '/') return 'is the root of the host file system';
  for (const sensitive of SENSITIVE_HOST_PATHS) {
    if (path === sensitive || path.startsWith(`${sensitive}/`)) {
      return `lies in ${sensitive}, a system folder of the host`;
    }
    if (sensitive.startsWith(`${path}/`)) return `holds ${sensitive}, a system folder of the host`;
  }
  if (/^\/(root|home\/[^/]+)$/.test(path)) return 'is a home folder';
  const privateFolder = path.split('/').find((part) => PRIVATE_FOLDER_NAMES.has(part));
  if (privateFolder !== undefined) return `lies in ${privateFolder}, a folder of credentials`;
  return undefined;
}

/** Checks one configured host path; returns its real path when it can be mounted. */
function checkPath(
  path: string | undefined,
  field: string,
  kind: 'file' | 'folder',
  problems: string[],
): string | undefined {
  if (path === undefined) return undefined;
  const real = realPath(path);
  if (typeof real === 'object') {
    problems.push(
      real.denied
        ? `  ${field}: ${path} cannot be checked: permission denied (datakit mounts only what it can check)`
        : `  ${field}: ${path} does not exist; expected the ${kind} to mount`,
    );
    return undefined;
  }
  const sensitive = sensitivePathProblem(real);
  if (sensitive !== undefined) {
    problems.push(
      `  ${field}: ${path}${real === path ? '' : ` (${real})`} ${sensitive}; it is never mounted`,
    );
    return undefined;
  }
  const isFolder = statSync(real).isDirectory();
  if (kind === 'folder' ? !isFolder : !statSync(real).isFile()) {
    problems.push(`  ${field}: ${path} is not a ${kind}`);
    return undefined;
  }
  return real;
}

/** The path with its links resolved, or why it has none (missing, or not ours to look at). */
function realPath(path: string): string | { denied: boolean } {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { denied: code === 'EACCES' || code === 'EPERM' };
  }
}
