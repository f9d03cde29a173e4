import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '@datakit/errors';
import { findMount, MEMORY_FILE_SYSTEMS, parseMounts } from './find-mount.ts';

/** A private (0700) directory on tmpfs for the keytab and the working ticket cache. */
export interface PrivateDir {
  path: string;
  /** The file system that holds it, e.g. `tmpfs`. */
  fsType: string;
}

/**
 * Checks that `dir` is memory-backed (per /proc/mounts) and creates a private directory in it.
 *
 * @throws EnvironmentError when `dir` is on a persistent file system and that is not allowed.
 */
export async function createPrivateDir(
  dir: string,
  allowNonTmpfs: boolean,
  mountsFile = '/proc/mounts',
): Promise<PrivateDir> {
  let resolved: string;
  try {
    resolved = await realpath(dir);
  } catch (cause) {
    throw new EnvironmentError(`The keytab directory ${dir} does not exist.`, {
      cause,
      hint: 'Mount a tmpfs there (docker run --tmpfs, an emptyDir with medium: Memory) or set SIDECAR_KEYTAB_DIR.',
    });
  }
  const mount = findMount(parseMounts(await readFile(mountsFile, 'utf8')), resolved);
  const fsType = mount?.fsType ?? 'unknown';
  if (!MEMORY_FILE_SYSTEMS.includes(fsType) && !allowNonTmpfs) {
    throw new EnvironmentError(
      `The keytab directory ${dir} is on ${fsType} (mounted at ${mount?.mountPoint ?? '?'}), not on tmpfs: a keytab written there could outlive the container on disk.`,
      {
        hint: 'Mount a tmpfs there (docker run --tmpfs, an emptyDir with medium: Memory) or point SIDECAR_KEYTAB_DIR at one such as /dev/shm. For tests only: SIDECAR_ALLOW_NON_TMPFS_KEYTAB=true.',
      },
    );
  }
  const path = await mkdtemp(join(resolved, 'kerberos-sidecar-'));
  return { path, fsType };
}

/** Removes the private directory and everything in it (keytab, working cache). */
export async function removePrivateDir(dir: PrivateDir): Promise<void> {
  await rm(dir.path, { recursive: true, force: true });
}
