// `npm run main` (after infra:up): builds the hello datakit image through the Docker engine API,
// pushes it to the local registry, pulls it back by digest and runs it. Later issues grow this
// into the real pipeline (pagila datakits, a warehouse deploy).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerEngine } from '@datakit/docker';
import { ExitCode, exitCodeOf, formatError } from '@datakit/errors';
import { localInfra, repoRoot } from '@datakit/local-infra';

async function main(): Promise<number> {
  const root = repoRoot();
  const project = join(root, 'datakits', 'hello');
  const { version } = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
    version: string;
  };
  const infra = localInfra();
  const engine = new DockerEngine();
  const ref = `${infra.registry.host}/hello:${version}`;
  const say = (message: string): void => void process.stdout.write(`[main] ${message}\n`);

  say(`building ${ref} from ${project}`);
  const { imageId } = await engine.buildImage({ context: project, tags: [ref] });
  say(`built ${imageId}`);
  const { digest } = await engine.pushImage(ref);
  say(`pushed ${ref} as ${digest}`);
  const byDigest = `${infra.registry.host}/hello@${digest}`;
  await engine.pullImage(byDigest);
  say(`running ${byDigest}`);
  const result = await engine.runContainer({ image: byDigest, cmd: ['run'] });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  say(`hello exited with ${result.exitCode}`);
  return result.exitCode === 0 ? ExitCode.Success : ExitCode.Failure;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`main: ${formatError(error)}\n`);
    process.exit(exitCodeOf(error));
  },
);
