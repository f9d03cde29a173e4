/**
 * Host folders no Docker environment may mount, declare as a root of its host paths, nor mount
 * or declare a folder that holds one: the system's configuration, kernel and device files, the
 * Docker engine (its socket and data) and the like. Paths are compared after symbolic links are
 * resolved where the host is at hand (deploy), as written in warehouse.yaml otherwise.
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
 * Why the absolute host path `path` may not be mounted nor be a root of host paths, or
 * undefined: the host's root, a system folder or one holding one, a home folder or the folder of
 * home folders, a folder of credentials.
 */
export function sensitivePathProblem(path: string): string | undefined {
  if (path === '/') return 'is the root of the host file system';
  for (const sensitive of SENSITIVE_HOST_PATHS) {
    if (path === sensitive || path.startsWith(`${sensitive}/`)) {
      return `lies in ${sensitive}, a system folder of the host`;
    }
    if (sensitive.startsWith(`${path}/`)) return `holds ${sensitive}, a system folder of the host`;
  }
  if (/^\/(root|home\/[^/]+)$/.test(path)) return 'is a home folder';
  if (path === '/home') return 'holds the home folders';
  const privateFolder = path.split('/').find((part) => PRIVATE_FOLDER_NAMES.has(part));
  if (privateFolder !== undefined) return `lies in ${privateFolder}, a folder of credentials`;
  return undefined;
}
