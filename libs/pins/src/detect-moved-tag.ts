/** What a locked tag points at now, compared with the digest the lock recorded. */
export type TagState = 'same' | 'moved' | 'missing';

/**
 * Compares the digest a tag points at now with the locked digest: `same`, `moved` (the tag
 * was pushed again over another image: reported, never followed), or `missing` (deleted).
 */
export function tagState(lockedDigest: string, currentDigest: string | undefined): TagState {
  if (currentDigest === undefined) return 'missing';
  return currentDigest === lockedDigest ? 'same' : 'moved';
}
