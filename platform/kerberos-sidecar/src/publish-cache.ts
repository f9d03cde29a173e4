import { chmod, chown, copyFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Who may read the published cache. */
export interface CacheOwner {
  uid: number;
  gid: number;
}

/**
 * Copies the working cache to the shared path so that only `owner` can read it (0600), and
 * swaps it in with a rename: readers see the old cache or the new one, never half of one.
 */
export async function publishCache(
  workingCachePath: string,
  sharedCachePath: string,
  owner: CacheOwner,
): Promise<void> {
  const staging = join(
    dirname(sharedCachePath),
    `.${basename(sharedCachePath)}.${process.pid}.tmp`,
  );
  try {
    await copyFile(workingCachePath, staging);
    await chmod(staging, 0o600);
    if (needsChown(owner)) await chown(staging, owner.uid, owner.gid);
    await rename(staging, sharedCachePath);
  } catch (error) {
    await rm(staging, { force: true });
    throw error;
  }
}

/** True when the cache must be given to another user than the one this process runs as. */
export function needsChown(owner: CacheOwner): boolean {
  return process.getuid?.() !== owner.uid || process.getgid?.() !== owner.gid;
}
