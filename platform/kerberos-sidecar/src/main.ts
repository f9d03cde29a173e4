import type { Server } from 'node:http';
import { ConfigError, exitCodeOf, ExitCode, formatError } from '@datakit/errors';
import { createSecretProvider } from '@datakit/secrets';
import { checkCacheOwner } from './check-cache-owner.ts';
import type { NormalizedSidecarConfig } from './config.ts';
import { describeFailure } from './describe-failure.ts';
import { startHealthServer } from './health-server.ts';
import { kerberosTools } from './kerberos-tools.ts';
import { createPrivateDir, removePrivateDir, type PrivateDir } from './keytab-dir.ts';
import { loadConfig } from './load-config.ts';
import { createLogger } from './log-event.ts';
import { shutDown } from './shut-down.ts';
import { createSupervisor } from './supervisor.ts';

const MODES = ['run', 'once'] as const;
type Mode = (typeof MODES)[number];

/**
 * `main.mjs run` (default): keep a ticket in the shared cache until SIGTERM.
 * `main.mjs once`: get one ticket into the cache and exit (0, or non-zero with the reason).
 */
async function main(argv: string[]): Promise<number> {
  const log = createLogger();
  const mode = (argv[0] ?? 'run') as Mode;
  let config: NormalizedSidecarConfig;
  let privateDir: PrivateDir | undefined;
  try {
    if (!MODES.includes(mode)) {
      throw new ConfigError(`Unknown mode "${argv[0]}"; expected one of: ${MODES.join(', ')}.`);
    }
    config = await loadConfig();
    checkCacheOwner({ uid: config.cacheUid, gid: config.cacheGid });
    privateDir = await createPrivateDir(config.keytabDir, config.allowNonTmpfsKeytab);
  } catch (error) {
    log('failure', { reason: 'startup', message: formatError(error) });
    return exitCodeOf(error);
  }
  if (privateDir.fsType !== 'tmpfs' && privateDir.fsType !== 'ramfs') {
    log('warning', {
      message: `The keytab directory is on ${privateDir.fsType}, allowed by SIDECAR_ALLOW_NON_TMPFS_KEYTAB: tests only.`,
    });
  }
  const tools = kerberosTools({
    principal: config.principal,
    krb5Config: config.krb5Config,
    ticketLifetime: config.ticketLifetime,
    renewableLifetime: config.renewableLifetime,
    timeoutMs: config.commandTimeoutMs,
  });
  const supervisor = createSupervisor(config, privateDir.path, {
    tools,
    provider: createSecretProvider(config.secretProvider),
    log,
    now: Date.now,
  });

  if (mode === 'once') {
    try {
      await supervisor.obtainOnce();
      return ExitCode.Success;
    } catch (error) {
      const { reason, message } = describeFailure(error);
      log('failure', { principal: config.principal, reason, message });
      return ExitCode.Failure;
    } finally {
      await removePrivateDir(privateDir);
    }
  }

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    log('stopping', { signal });
    controller.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  let server: Server | undefined;
  try {
    if (config.httpPort !== 0) server = await startHealthServer(config.httpPort, supervisor.report);
    log('started', {
      principal: config.principal,
      keytab: config.keytab.kind,
      ccache: config.ccache,
      renewMarginSeconds: config.renewMarginMs / 1000,
      httpPort: config.httpPort,
    });
    await supervisor.run(controller.signal);
    return ExitCode.Success;
  } catch (error) {
    log('failure', { reason: 'internal', message: formatError(error) });
    return exitCodeOf(error);
  } finally {
    await shutDown(config, tools, privateDir);
    server?.close();
    log('stopped', { principal: config.principal });
  }
}

process.exitCode = await main(process.argv.slice(2));
// The HTTP server and timers are closed; exit now rather than wait on stray handles.
process.exit();
