import { runCommand, type CommandResult } from './_run-command.ts';
import {
  classifyKinitFailure,
  summariseStderr,
  type FailureReason,
} from './classify-kinit-failure.ts';
import { findTgt, parseKlist, type TicketTimes } from './parse-klist.ts';

/** A failed Kerberos step: why (stable) and what the tool said (one line, no secrets). */
export class KerberosFailure extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, message: string) {
    super(message);
    this.name = 'KerberosFailure';
    this.reason = reason;
  }
}

/** The MIT Kerberos commands the sidecar runs, bound to one krb5.conf. */
export interface KerberosTools {
  /** `kinit -k -t <keytab> -c <cache> <principal>`; resolves with the new TGT's times. */
  initialise(keytabPath: string, cache: string, signal?: AbortSignal): Promise<TicketTimes>;
  /** `kinit -R -c <cache>`; resolves with the renewed TGT's times. */
  renew(cache: string, signal?: AbortSignal): Promise<TicketTimes>;
  /** `klist -c <cache>`: the TGT's times, or undefined when the cache holds none. */
  inspect(cache: string, signal?: AbortSignal): Promise<TicketTimes | undefined>;
  /** `kdestroy -c <cache>`; true when it succeeded. */
  destroy(cache: string): Promise<boolean>;
}

/** Settings shared by every command. */
export interface KerberosToolsOptions {
  principal: string;
  krb5Config: string;
  ticketLifetime: string | undefined;
  renewableLifetime: string;
  timeoutMs: number;
}

/**
 * The real tools. Commands run with a minimal environment: the krb5.conf, the C locale (English
 * messages and `MM/DD/YY HH:MM:SS` times) and UTC, so their output parses the same everywhere.
 */
export function kerberosTools(options: KerberosToolsOptions): KerberosTools {
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    KRB5_CONFIG: options.krb5Config,
    LC_ALL: 'C',
    TZ: 'UTC',
  };
  const run = (command: string, args: string[], signal?: AbortSignal): Promise<CommandResult> =>
    runCommand(command, args, {
      env,
      timeoutMs: options.timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
  const inspect = async (cache: string, signal?: AbortSignal): Promise<TicketTimes | undefined> => {
    const result = await run('klist', ['-c', cache], signal);
    failIfNotRun('klist', result);
    if (result.code !== 0) return undefined;
    return findTgt(parseKlist(result.stdout));
  };
  const inspectAfter = async (
    what: string,
    cache: string,
    signal?: AbortSignal,
  ): Promise<TicketTimes> => {
    const ticket = await inspect(cache, signal);
    if (ticket === undefined) {
      throw new KerberosFailure('other', `${what} succeeded but the cache holds no TGT.`);
    }
    return ticket;
  };
  return {
    async initialise(keytabPath, cache, signal) {
      const args = ['-k', '-t', keytabPath, '-c', cache, '-r', options.renewableLifetime];
      if (options.ticketLifetime !== undefined) args.push('-l', options.ticketLifetime);
      args.push(options.principal);
      const result = await run('kinit', args, signal);
      failIfNotRun('kinit', result);
      if (result.code !== 0) {
        throw new KerberosFailure(
          classifyKinitFailure(result.stderr),
          summariseStderr(result.stderr),
        );
      }
      return inspectAfter('kinit', cache, signal);
    },
    async renew(cache, signal) {
      const result = await run('kinit', ['-R', '-c', cache], signal);
      failIfNotRun('kinit', result);
      if (result.code !== 0) {
        throw new KerberosFailure(
          classifyKinitFailure(result.stderr),
          summariseStderr(result.stderr),
        );
      }
      return inspectAfter('kinit -R', cache, signal);
    },
    inspect,
    async destroy(cache) {
      const result = await run('kdestroy', ['-q', '-c', cache]);
      return result.spawnError === undefined && result.code === 0;
    },
  };
}

function failIfNotRun(command: string, result: CommandResult): void {
  if (result.spawnError?.code === 'ENOENT') {
    throw new KerberosFailure(
      'kerberos-tools-missing',
      `${command} is not installed (install MIT Kerberos: apt-get install krb5-user).`,
    );
  }
  if (result.spawnError !== undefined) {
    throw new KerberosFailure('other', `${command} could not run: ${result.spawnError.message}`);
  }
  if (result.code === null) {
    throw new KerberosFailure('other', `${command} was stopped (timeout or shutdown).`);
  }
}
