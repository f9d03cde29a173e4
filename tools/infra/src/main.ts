// `npm run infra:up | infra:down | infra:status`: renders what @datakit/local-infra does.
// The library decides and reports; this file prints and picks the exit code.
import { parseArgs } from 'node:util';
import { ConfigError, ExitCode, exitCodeOf, formatError } from '@datakit/errors';
import {
  addLocalSource,
  infraDown,
  infraStatus,
  infraUp,
  listLocalSources,
} from '@datakit/local-infra';

const USAGE = `Usage: npm run infra:up | infra:down [-- --volumes] | infra:status [-- --json]
       npm run infra:add-source -- <database> --sql <file> [--replace] | infra:sources

  up      start the Docker engine if needed, build base and service images, run the
          registry (127.0.0.1:5000), PostgreSQL (127.0.0.1:5432) and the KDC (127.0.0.1:88)
  down    remove those containers and stop a dockerd that \`up\` started; --volumes also
          deletes their data
  status  show what runs; --json for machines
  add-source  create <database> in the local PostgreSQL from a SQL file (run as superuser),
          a read-only role <database>_reader with a generated password (a secret file under
          .infra/secrets/), recorded under .infra/sources/ so that infra:up makes it again
  sources list the added source databases`;

function parseAddSource(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { sql: { type: 'string' }, replace: { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new ConfigError(`infra:add-source: ${(error as Error).message}`, {
      hint: 'Usage: npm run infra:add-source -- <database> --sql <file> [--replace]',
    });
  }
}

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
    case 'add-source': {
      const { values, positionals } = parseAddSource(rest);
      const [database, ...extra] = positionals;
      if (database === undefined || values.sql === undefined || extra.length > 0) {
        throw new ConfigError('infra:add-source needs one database name and --sql <file>.', {
          hint: 'e.g. npm run infra:add-source -- shop --sql shop.sql',
        });
      }
      const result = await addLocalSource({
        database,
        sqlFile: values.sql,
        replace: values.replace,
      });
      line(`database ${database}: ${result.database} (from ${result.source.from})`);
      line(`role ${result.source.role}: read-only, password in ${result.secretReference}`);
      line(`next: npm run datakit -- new warehouse <name> --source-database ${database}`);
      return ExitCode.Success;
    }
    case 'sources': {
      for (const source of listLocalSources()) {
        process.stdout.write(
          `${source.database.padEnd(20)} ${source.role.padEnd(28)} ${source.from}\n`,
        );
      }
      return ExitCode.Success;
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
