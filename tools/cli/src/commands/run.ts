import { Args, Flags } from '@oclif/core';
import { driverFor, envFlags, findWarehouse, stateOf, warehouseArg } from '../_deploy.ts';
import { DatakitCommand } from '../_render.ts';

export default class Run extends DatakitCommand {
  static override summary =
    'Run one deployed datakit now, stream its events, and exit with its exit code.';
  static override description =
    "Waits for the Kerberos sidecar to hold a valid ticket (failing clearly after --ticket-timeout), starts the datakit, prints its JSON-lines events on stdout and its logs on stderr as they come, and exits with the datakit's own exit code (0 ok, 2 config, 3 drift, 4 rejects, 5 environment).";
  static override examples = ['<%= config.bin %> run analytics pagila-bronze'];
  static override args = {
    ...warehouseArg,
    datakit: Args.string({ description: 'The pinned datakit to run.', required: true }),
  };
  static override flags = {
    ...envFlags,
    'ticket-timeout': Flags.integer({
      description: 'Seconds to wait for a valid Kerberos ticket.',
      default: 60,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const state = stateOf(findWarehouse(args.warehouse), flags.env);
    const code = await driverFor(state).runJob(state, args.datakit, {
      ticketTimeoutSeconds: flags['ticket-timeout'],
      onStdout: (line) => process.stdout.write(`${line}\n`),
      onStderr: (line) => process.stderr.write(`${line}\n`),
    });
    if (code !== 0) this.exit(code);
  }
}
