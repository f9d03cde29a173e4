// `npm run infra:up | infra:down | infra:status`: renders what @datakit/local-infra does.
// The library decides and reports; this file prints and picks the exit code.
import { ExitCode, exitCodeOf, formatError } from '@datakit/errors';
import { infraDown, infraStatus, infraUp } from '@datakit/local-infra';

const USAGE = `Usage: npm run infra:up | infra:down [-- --volumes] | infra:status [-- --json]

  up      start the Docker engine if needed, build base and service images, run the
          registry (127.0.0.1:5000), PostgreSQL (127.0.0.1:5432) and the KDC (127.0.0.1:88)
  down    remove those containers and stop a dockerd that \`up\` started; --volumes also
          deletes their data
  status  show what runs; --json for machines`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest);
  const started = Date.now();
  const line = (message: string): void => {
    process.stdout.write(`[infra ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
  switch (command) {
    case 'up': {
      await infraUp({ report: line });
      line('local infrastructure is up');
      return ExitCode.Success;
    }
    case 'down': {
      const result = await infraDown({ removeVolumes: flags.has('--volumes') });
      line(`removed containers: ${result.containers.join(', ') || 'none'}`);
      if (flags.has('--volumes')) line(`removed volumes: ${result.volumes.join(', ') || 'none'}`);
      line(
        result.stoppedEngine
          ? 'stopped the dockerd that infra:up started'
          : 'left the Docker engine as it was',
      );
      return ExitCode.Success;
    }
    case 'status': {
      const status = await infraStatus();
      if (flags.has('--json')) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      } else {
        const engine = status.engine.answering
          ? `up (${status.engine.version}${status.engine.startedByUs ? ', started by infra:up' : ''})`
          : 'not answering';
        process.stdout.write(`docker engine  ${engine}\n`);
        for (const s of status.services) {
          const health = s.answering ? `answering on 127.0.0.1:${s.port}` : 'not answering';
          process.stdout.write(`${s.name.padEnd(14)} ${s.state.padEnd(9)} ${health}\n`);
        }
      }
      const healthy = status.engine.answering && status.services.every((s) => s.answering);
      return healthy ? ExitCode.Success : ExitCode.Failure;
    }
    default:
      process.stderr.write(`${command ? `Unknown command "${command}".\n` : ''}${USAGE}\n`);
      return ExitCode.Config;
  }
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `Node ${process.versions.node} runs this command; the project needs Node 24.\nRun it through npm (\`npm run infra:up\`), which puts the Node 24 of \`npm ci\` first on PATH.\n`,
  );
  process.exit(ExitCode.Environment);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`infra: ${formatError(error)}\n`);
    if (process.env.DATAKIT_DEBUG) console.error(error);
    process.exit(exitCodeOf(error));
  },
);
