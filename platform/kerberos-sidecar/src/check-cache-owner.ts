import { EnvironmentError } from '@datakit/errors';
import { needsChown, type CacheOwner } from './publish-cache.ts';

/**
 * Fails early when the cache must go to another user and this process cannot chown (not root):
 * better than failing at the first ticket.
 */
export function checkCacheOwner(owner: CacheOwner, uid = process.getuid?.()): void {
  if (!needsChown(owner) || uid === 0) return;
  throw new EnvironmentError(
    `The ticket cache must belong to uid ${owner.uid}:${owner.gid}, but the sidecar runs as uid ${uid} and cannot chown it.`,
    {
      hint: 'Run the sidecar as the datakit user (user: "<uid>:<gid>", recommended) or as root, or set SIDECAR_CACHE_UID/SIDECAR_CACHE_GID to the uid/gid it runs as.',
    },
  );
}
