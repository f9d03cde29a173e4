import { ConfigError } from '@datakit/errors';
import { formatReference } from '@datakit/registry';
import type { LockEntry } from '@datakit/warehouse';
import { currentDigest, listTags, readImageLabels } from './_registry-reads.ts';
import type { PinRegistry } from './pin-registry.ts';
import { resolveVersion, versionTags } from './resolve-version.ts';

/**
 * Resolves one pin through the registry: the newest tag satisfying `requested`, the digest it
 * points at, and the image's contract hash, as a lock entry. Throws a `ConfigError` (exit 2)
 * naming `file` and the pin's field when no version satisfies it (listing the versions the
 * registry has) or the image is not a datakit image (no contract hash label).
 */
export async function resolvePin(
  registry: PinRegistry,
  file: string,
  datakit: string,
  requested: string,
): Promise<LockEntry> {
  const field = `field "datakits.${datakit}.version"`;
  const tags = await listTags(registry, datakit);
  const match = resolveVersion(tags, requested);
  if (match === undefined) {
    const versions = versionTags(tags).map((t) => t.version);
    throw new ConfigError(
      `${file}: ${field} asks for "${requested}", but no version of ${datakit} in the registry ${registry.host} satisfies it; ${
        versions.length === 0
          ? `the registry has no versions of ${datakit}.`
          : `the versions that exist are ${versions.join(', ')}.`
      } Nothing was written.`,
      {
        hint:
          versions.length === 0
            ? `Push it first (datakit images push ${datakit}), or check the datakit's name.`
            : `Pin one of those versions, or push ${requested} first (datakit images push ${datakit}).`,
      },
    );
  }
  const digest = await currentDigest(registry, datakit, match.tag);
  const labels =
    digest === undefined ? undefined : await readImageLabels(registry, datakit, digest);
  if (digest === undefined || labels === undefined) {
    throw new ConfigError(
      `${file}: ${field}: tag ${match.tag} of ${datakit} disappeared from ${registry.host} while it was being resolved. Nothing was written.`,
    );
  }
  if (labels.contractHash === undefined) {
    throw new ConfigError(
      `${file}: ${field}: ${registry.host}/${datakit}:${match.tag} is not a datakit image (it has no dev.datakit.contract.hash label). Nothing was written.`,
      { hint: 'Build and push datakits with `datakit images push`, which labels the contract.' },
    );
  }
  return {
    requested,
    version: match.version,
    reference: formatReference({
      registry: registry.host,
      repository: datakit,
      tag: match.tag,
      digest,
    }),
    digest,
    contractHash: labels.contractHash,
  };
}
