// Test helpers of the CLI's end-to-end specs (not part of the CLI): a small datakit built from
// datakits/hello under a name and version of the test's own, optionally with its own main.ts,
// and the lock entry of the Kerberos sidecar this checkout pushed.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildDatakitImage,
  pushDatakitImage,
  readDatakitProject,
  registryBaseReader,
} from '@datakit/images';
import type { RegistryClient } from '@datakit/registry';
import type { LockSidecar } from '@datakit/warehouse';
import { sidecarRequest } from './_deploy.ts';
import { repoRoot } from './_paths.ts';

/** A scratch datakit's image as a hand-written lock needs it. */
export interface ScratchImage {
  digest: string;
  contractHash: string;
}

/**
 * Builds hello's code as datakit `name` at `version` in `dir` (its main.ts replaced by what
 * `main` makes of it, when given) on the datakit base in `registry`, and pushes it there.
 */
export async function pushScratchDatakit(options: {
  dir: string;
  name: string;
  version: string;
  registry: { client: RegistryClient; host: string };
  main?: (hello: string) => string;
  allowDirty?: boolean;
}): Promise<ScratchImage> {
  const root = repoRoot();
  const { dir, name, version, registry } = options;
  cpSync(join(root, 'datakits', 'hello', 'src'), join(dir, 'src'), { recursive: true });
  if (options.main !== undefined) {
    const main = join(dir, 'src', 'main.ts');
    writeFileSync(main, options.main(readFileSync(main, 'utf8')));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, datakit: { name } }));
  const image = await buildDatakitImage(
    readDatakitProject(dir, root),
    root,
    registryBaseReader(registry.client),
  );
  await pushDatakitImage(image, registry.client, registry.host, {
    ...(options.allowDirty ? { allowDirty: true } : {}),
  });
  return { digest: image.digest, contractHash: image.contractHash };
}

/** The lock's entry for this checkout's Kerberos sidecar in `registry`, as `datakit pin` writes it. */
export async function lockedSidecar(registry: {
  client: RegistryClient;
  host: string;
}): Promise<LockSidecar> {
  const { repository, version } = sidecarRequest();
  const digest = await registry.client.resolveTag(repository, version);
  if (digest === undefined) throw new Error(`${registry.host} has no ${repository}:${version}`);
  return { version, reference: `${registry.host}/${repository}:${version}@${digest}`, digest };
}
