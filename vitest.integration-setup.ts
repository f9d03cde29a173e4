// Global setup of the integration tests: the local registry must hold the platform images that
// datakit images and deploys are built on (datakit-base, kerberos-sidecar). On a fresh machine
// they are built and pushed here once; afterwards this is a couple of registry requests.
import { join } from 'node:path';
import { DockerEngine } from '@datakit/docker';
import { buildPlatformImage, readPlatformProject } from '@datakit/images';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';

export default async function setup(): Promise<void> {
  const root = repoRoot();
  const infra = localInfra();
  const client = createRegistryClient({ url: infra.registry.url });
  const engine = new DockerEngine();
  for (const name of ['datakit-base', 'kerberos-sidecar']) {
    const project = readPlatformProject(join(root, 'platform', name));
    if ((await client.resolveTag(name, project.version)) !== undefined) continue;
    const ref = `${infra.registry.host}/${name}:${project.version}`;
    process.stderr.write(`integration setup: building and pushing ${ref}\n`);
    await buildPlatformImage(root, engine, project, ref);
    await engine.pushImage(ref);
  }
}
