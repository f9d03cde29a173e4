import type { DesiredState } from '@datakit/deploy';
import { ConfigError } from '@datakit/errors';
import { readImageLabels } from './_registry-reads.ts';
import type { PinRegistry } from './pin-registry.ts';

/**
 * Checks, before a deploy creates anything, that the environment's registry has every job's
 * image at its locked digest and that the image's labels agree with the lock: the contract
 * hash (`dev.datakit.contract.hash`) and, where the image carries one, the version
 * (`org.opencontainers.image.version`). A deploy never runs an image whose contracts are not the
 * ones the lock was verified with.
 *
 * @throws ConfigError listing every job that disagrees, naming the lock file and field;
 *   EnvironmentError when the registry cannot be reached.
 */
export async function assertDeployImagesMatchLock(
  state: DesiredState,
  lockFile: string,
  registry: PinRegistry,
): Promise<void> {
  const problems: string[] = [];
  for (const job of state.jobs) {
    const field = `field "datakits.${job.datakit}`;
    const labels = await readImageLabels(registry, job.datakit, job.digest);
    if (labels === undefined) {
      problems.push(
        `  ${field}.digest": ${job.digest} is not in ${registry.host}/${job.datakit}, the registry of environment "${state.environmentName}"`,
      );
      continue;
    }
    if (labels.contractHash !== job.contractHash) {
      problems.push(
        `  ${field}.contractHash": is ${job.contractHash}, but the image at ${job.digest} is labelled ${labels.contractHash ?? 'with no contract hash'}`,
      );
    }
    if (labels.version !== undefined && labels.version !== job.version) {
      problems.push(
        `  ${field}.version": is ${job.version}, but the image at ${job.digest} is labelled version ${labels.version}`,
      );
    }
  }
  if (problems.length === 0) return;
  throw new ConfigError(
    `${lockFile} does not match the images in ${registry.host}, so nothing was deployed:\n${problems.join('\n')}`,
    {
      hint: `Verify the lock with \`datakit verify ${state.warehouse} --env ${state.environmentName}\` and pin again.`,
    },
  );
}
