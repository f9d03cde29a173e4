import { join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { parameterProblemLine, parameterProblems } from './_parameters.ts';
import { readImageLabels, sidecarImageState } from './_registry-reads.ts';
import type { PinRegistry } from './pin-registry.ts';

/**
 * What {@link assertDeployImagesMatchLock} reads of a deploy's desired state: the images it
 * would run and what the lock says of them. A `DesiredState` of `@datakit/deploy` is one.
 */
export interface DeployImages {
  /** The warehouse's name (the hint names it). */
  warehouse: string;
  /** The warehouse folder (errors name its warehouse.yaml). */
  dir: string;
  /** The environment whose registry holds the images. */
  environmentName: string;
  /** One per locked datakit, with what the lock says of its image. */
  jobs: readonly {
    datakit: string;
    version: string;
    /** The locked manifest digest. */
    digest: string;
    contractHash: string;
    config: { parameters: Record<string, unknown> };
  }[];
  /** The Kerberos sidecar's image reference, when the warehouse has one. */
  sidecar: { image: string } | undefined;
}

/**
 * Checks, before a deploy creates anything, that the environment's registry has every job's
 * image at its locked digest and that the image's labels agree with the lock: the contract
 * hash (`dev.datakit.contract.hash`) and, where the image carries one, the version
 * (`org.opencontainers.image.version`); and that each pin's parameters fit the config schema
 * the image declares in its spec label. A deploy never runs an image whose contracts are not the
 * ones the lock was verified with, nor gives a job parameters it would refuse at run time.
 *
 * @throws ConfigError listing every job that disagrees, naming the lock file and field;
 *   EnvironmentError when the registry cannot be reached.
 */
export async function assertDeployImagesMatchLock(
  state: DeployImages,
  lockFile: string,
  registry: PinRegistry,
): Promise<void> {
  const problems: string[] = [];
  const warehouseFile = join(state.dir, 'warehouse.yaml');
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
    // The parameters the job would be given, against the config schema the image declares.
    for (const problem of labels.spec === undefined
      ? []
      : (parameterProblems(labels.spec, job.config.parameters) ?? [])) {
      problems.push(`  ${parameterProblemLine(warehouseFile, job, problem)}`);
    }
  }
  // The sidecar runs by the digest the lock pinned, like every job.
  const sidecar = state.sidecar;
  const pinned = sidecar && (await sidecarImageState(registry, sidecar.image));
  if (pinned?.state === 'by-tag') {
    problems.push(
      `  field "sidecar": the lock pins no Kerberos sidecar image (it would run ${sidecar?.image} by tag)`,
    );
  } else if (pinned?.state === 'missing') {
    problems.push(
      `  field "sidecar.digest": ${pinned.digest} is not in ${registry.host}/${pinned.repository}, the registry of environment "${state.environmentName}"`,
    );
  }
  if (problems.length === 0) return;
  throw new ConfigError(
    `${lockFile} and warehouse.yaml do not match the images in ${registry.host}, so nothing was deployed:\n${problems.join('\n')}`,
    {
      hint: `Verify the lock with \`datakit verify ${state.warehouse} --env ${state.environmentName}\` and pin again.`,
    },
  );
}
