import { Args, Flags } from '@oclif/core';
import { runDeployedJob } from '@datakit/deploy';
import { deployContext, envFlags, findWarehouse, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';
import { RunView } from '../_run-events.ts';
import { RunTimer } from '../_run-timings.ts';

export default class Run extends DatakitCommand {
  static override summary =
    'Run one deployed datakit now, stream its events, and exit with its exit code.';
  static override description =
    "Waits for the Kerberos sidecar to hold a valid ticket (failing clearly after --ticket-timeout), starts the datakit, prints its events on stdout and its logs on stderr as they come, and exits with the datakit's own exit code (0 ok, 2 config, 3 drift, 4 rejects, 5 environment). At a terminal the events are shown as a live line per table while it loads (rows, rate, elapsed), then one line per table and a summary, with the job's INFO log lines only under --verbose; piped, or with --json, they are the datakit's JSON lines and its logs as they are.";
  static override examples = ['<%= config.bin %> run analytics pagila-bronze'];
  static override args = {
    ...warehouseArg,
    datakit: Args.string({ description: 'The pinned datakit to run.', required: true }),
  };
  static override flags = {
    ...envFlags,
    json: Flags.boolean({
      description:
        "Print the datakit's JSON-lines events as they are (the default when stdout is not a terminal).",
      default: false,
    }),
    verbose: Flags.boolean({
      description:
        "At a terminal, also show the job's timestamped INFO and DEBUG log lines (WARN, ERROR and the error paragraph are always shown).",
      default: false,
      char: 'v',
    }),
    'ticket-timeout': Flags.integer({
      description: 'Seconds to wait for a valid Kerberos ticket.',
      default: 60,
    }),
    timings: Flags.boolean({
      description:
        "At the end, print on stderr where the run's time went: the CLI's start, waiting for the ticket, starting the container, the job (its own start, connecting, drift check, loads, from its summary), and its exit.",
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const loaded = findWarehouse(args.warehouse);
    const raw = flags.json || !process.stdout.isTTY;
    const view = new RunView({ verbose: flags.verbose });
    const write = ({ stdout, stderr }: { stdout: string; stderr: string }): void => {
      if (stdout !== '') process.stdout.write(stdout);
      if (stderr !== '') process.stderr.write(stderr);
    };
    const timer = new RunTimer();
    const code = await runDeployedJob(loaded, flags.env, args.datakit, {
      ...deployContext(),
      ticketTimeoutSeconds: flags['ticket-timeout'],
      onPhase: (phase) => timer.phase(phase),
      onStdout: (line) => {
        timer.stdout(line);
        if (raw) process.stdout.write(`${line}\n`);
        else write(view.stdout(line));
      },
      onStderr: (line) => (raw ? process.stderr.write(`${line}\n`) : write(view.stderr(line))),
    });
    if (flags.timings) process.stderr.write(`${timer.render()}\n`);
    if (code !== 0) this.exit(code);
  }
}
