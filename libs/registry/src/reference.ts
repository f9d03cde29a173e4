import { ConfigError } from '@datakit/errors';
import { isDigest } from './digest.ts';

/** The distribution rule for a tag, quoted in errors. */
export const TAG_PATTERN = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
const TAG = new RegExp(`^${TAG_PATTERN}$`);

/** The distribution rule for a repository name: lowercase path components. */
export const REPOSITORY_PATTERN =
  '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*';
const REPOSITORY = new RegExp(`^${REPOSITORY_PATTERN}$`);

/** An image reference split into its parts. */
export interface ImageReference {
  /**
   * The registry host with its port (`127.0.0.1:5000`, `registry.example.com`); undefined when
   * the reference names none (`pagila-bronze:1.4.2`).
   */
  registry?: string;
  /** The repository path inside the registry, e.g. `datakits/pagila-bronze`. */
  repository: string;
  /** The tag, e.g. `1.4.2`. */
  tag?: string;
  /** The manifest digest, e.g. `sha256:3f0c...`. */
  digest?: string;
}

/** True when `tag` matches the distribution rule `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * Throws a `ConfigError` unless `tag` is a valid tag. A semver with build metadata
 * (`1.4.2+build.7`) is refused: `+` is not allowed in a tag.
 */
export function validateTag(tag: string): void {
  if (isValidTag(tag)) return;
  if (tag.includes('+')) {
    const [release] = tag.split('+');
    throw new ConfigError(
      `Tag "${tag}" is not valid: a tag matches ${TAG_PATTERN}, and "+" (semver build metadata) is not allowed.`,
      {
        hint: `Tag the release without build metadata ("${release}") or write the metadata with "_" ("${tag.replaceAll('+', '_')}"), as Helm does for OCI tags.`,
      },
    );
  }
  throw new ConfigError(
    `Tag "${tag}" is not valid: a tag matches ${TAG_PATTERN} (at most 128 characters, not starting with "." or "-").`,
  );
}

/** Throws a `ConfigError` unless `repository` is a valid repository name. */
export function validateRepository(repository: string): void {
  if (REPOSITORY.test(repository) && repository.length <= 255) return;
  throw new ConfigError(
    `Repository "${repository}" is not valid: a repository is lowercase path components matching ${REPOSITORY_PATTERN}.`,
  );
}

/** Throws a `ConfigError` unless `digest` is a digest (`sha256:<64 hex>`). */
export function validateDigest(digest: string): void {
  if (isDigest(digest)) return;
  throw new ConfigError(
    `Digest "${digest}" is not valid: expected algorithm:hex, e.g. sha256:<64 lowercase hex characters>.`,
  );
}

/** True when `reference` is a digest rather than a tag. */
export function isDigestReference(reference: string): boolean {
  return reference.includes(':');
}

/** Throws a `ConfigError` unless `reference` is a valid tag or digest. */
export function validateTagOrDigest(reference: string): void {
  if (isDigestReference(reference)) validateDigest(reference);
  else validateTag(reference);
}

/**
 * Parses `[registry/]repository[:tag][@digest]`, e.g.
 * `127.0.0.1:5000/pagila-bronze:1.4.2@sha256:...`. The first path component is the registry
 * when it contains a `.` or a `:`, or is `localhost` (Docker's rule). Throws a `ConfigError`
 * naming the part that is invalid.
 */
export function parseReference(reference: string): ImageReference {
  let rest = reference.trim();
  if (rest === '') throw new ConfigError('An image reference is empty.');
  const result: ImageReference = { repository: '' };

  const at = rest.indexOf('@');
  if (at !== -1) {
    const digest = rest.slice(at + 1);
    validateDigest(digest);
    result.digest = digest;
    rest = rest.slice(0, at);
  }

  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      result.registry = first;
      rest = rest.slice(slash + 1);
    }
  }

  // The tag separator is the last ':' after the last '/' (the registry's port is gone by now).
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    validateTag(tag);
    result.tag = tag;
    rest = rest.slice(0, colon);
  }

  validateRepository(rest);
  result.repository = rest;
  return result;
}

/** Formats a reference as `[registry/]repository[:tag][@digest]`; the inverse of `parseReference`. */
export function formatReference(reference: ImageReference): string {
  const registry = reference.registry === undefined ? '' : `${reference.registry}/`;
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${registry}${reference.repository}${tag}${digest}`;
}
