// The last step of `npm run main`: pulls the hello datakit from the local registry by the
// digest its version tag resolves to, and runs it. (The steps before it: infra:up, then
// `nx run-many -t push`, which builds and pushes every platform and datakit image.) Later work
// replaces this with `datakit deploy` and `datakit run` of a warehouse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerEngine } from '@datakit/docker';
import { ExitCode, exitCodeOf, formatError } from '@datakit/errors';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';

async function main(): Promise<number> {
  const { version } = JSON.parse(
    readFileSync(join(repoRoot(), 'datakits', 'hello', 'package.json'), 'utf8'),
  ) as { version: string };
  const infra = localInfra();
  const digest = await createRegistryClient({ url: infra.registry.url }).resolve('hello', version);
  const ref = `${infra.registry.host}/hello@${digest}`;
  const engine = new DockerEngine();
  await engine.pullImage(ref);
  process.stdout.write(`[main] running hello:${version} as ${ref}\n`);
  const result = await engine.runContainer({ image: ref, cmd: ['run'] });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.stdout.write(`[main] hello exited with ${result.exitCode}\n`);
  return result.exitCode === 0 ? ExitCode.Success : ExitCode.Failure;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`main: ${formatError(error)}\n`);
    process.exit(exitCodeOf(error));
  },
);
