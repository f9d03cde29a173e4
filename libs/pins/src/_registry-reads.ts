// The registry questions pins ask, with the two errors they need to tell apart: a registry
// that cannot be reached (the environment, exit 5) and a repository that does not exist.
import { EnvironmentError, RegistryError } from '@datakit/errors';
import { LABELS } from '@datakit/images';
import { parseReference } from '@datakit/registry';
import type { PinRegistry } from './pin-registry.ts';

/** Every tag of a datakit's repository, newest first; empty when the repository does not exist. */
export async function listTags(registry: PinRegistry, datakit: string): Promise<string[]> {
  try {
    return await registry.client.tags(datakit);
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return [];
    throw unreachable(registry, error);
  }
}

/** The digest a tag points at now, or undefined when the tag does not exist. */
export async function currentDigest(
  registry: PinRegistry,
  datakit: string,
  tag: string,
): Promise<string | undefined> {
  try {
    return await registry.client.resolveTag(datakit, tag);
  } catch (error) {
    throw unreachable(registry, error);
  }
}

/** What pins need from an image: its version, contract hash and spec labels (undefined when absent). */
export interface ImageLabels {
  version: string | undefined;
  contractHash: string | undefined;
  spec: string | undefined;
  /** The breaking-change notes label, when the datakit has broken before. */
  breakingChanges: string | undefined;
}

/** The datakit labels of an image by tag or digest; undefined when the image does not exist. */
export async function readImageLabels(
  registry: PinRegistry,
  datakit: string,
  reference: string,
): Promise<ImageLabels | undefined> {
  try {
    const labels = await registry.client.labels(datakit, reference);
    return {
      version: labels[LABELS.version],
      contractHash: labels[LABELS.contractHash],
      spec: labels[LABELS.spec],
      breakingChanges: labels[LABELS.breakingChanges],
    };
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined;
    throw unreachable(registry, error);
  }
}

/**
 * Where the Kerberos sidecar's image reference stands in the registry: `by-tag` when it names
 * no digest (a deploy would run whatever the tag points at), else whether the registry has
 * that digest in its repository. Deploy and verify both hold the sidecar to this.
 */
export async function sidecarImageState(
  registry: PinRegistry,
  reference: string,
): Promise<
  { state: 'by-tag' } | { state: 'present' | 'missing'; repository: string; digest: string }
> {
  const { repository, digest } = parseReference(reference);
  if (digest === undefined) return { state: 'by-tag' };
  const present = (await readImageLabels(registry, repository, digest)) !== undefined;
  return { state: present ? 'present' : 'missing', repository, digest };
}

/** A registry that did not answer becomes an environment error naming the field; others pass. */
function unreachable(registry: PinRegistry, error: unknown): unknown {
  if (!(error instanceof RegistryError) || error.status !== undefined) return error;
  return new EnvironmentError(
    `${error.message} ${registry.file} names this registry in field "${registry.field}" (${registry.host}).`,
    {
      cause: error,
      hint:
        error.hint ??
        'Start the registry (npm run infra:up for the local one) or correct the field.',
    },
  );
}
