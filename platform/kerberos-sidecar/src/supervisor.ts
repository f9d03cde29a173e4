import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { SecretProvider } from '@datakit/secrets';
import type { NormalizedSidecarConfig } from './config.ts';
import { describeFailure, type FailureDescription } from './describe-failure.ts';
import type { KerberosTools } from './kerberos-tools.ts';
import type { LogEvent } from './log-event.ts';
import type { TicketTimes } from './parse-klist.ts';
import { isTicketReady, planNextStep, retryDelay, type NextStep } from './plan-next-step.ts';
import { publishCache } from './publish-cache.ts';
import { removeReadyFile, writeReadyFile, type ReadinessReport } from './ready-file.ts';
import { withKeytab } from './with-keytab.ts';

/** What the supervisor needs from the outside world (real in main.ts, fakes in tests). */
export interface SupervisorDeps {
  tools: KerberosTools;
  provider: SecretProvider;
  log: LogEvent;
  now: () => number;
}

/** A running supervisor: its readiness, for /readyz, and its loop. */
export interface Supervisor {
  report(): ReadinessReport;
  /** Refreshes the ticket until `signal` aborts; never rejects because of Kerberos failures. */
  run(signal: AbortSignal): Promise<void>;
  /** Gets one ticket (the one-shot mode); rejects with the failure's description. */
  obtainOnce(signal?: AbortSignal): Promise<TicketTimes>;
}

/** Longest single sleep: the loop wakes at least this often. */
const MAX_SLEEP_MS = 60 * 60 * 1000;
/** Shortest time between two successful refreshes, so a ticket shorter than the margin cannot spin the loop. */
const MIN_INTERVAL_MS = 5_000;

/**
 * Keeps a TGT for the configured principal in the shared cache: initialises from the keytab,
 * renews at `expiry - margin`, initialises again when renewal is no longer possible or fails,
 * retries failures with backoff, and keeps the ready file in step with the ticket.
 */
export function createSupervisor(
  config: NormalizedSidecarConfig,
  privateDir: string,
  deps: SupervisorDeps,
): Supervisor {
  const { tools, provider, log, now } = deps;
  const workingCache = join(privateDir, 'ccache');
  let ticket: TicketTimes | undefined;
  let obtainedBefore = false;
  let consecutiveFailures = 0;
  let lastAttempt: { at: number; failed: boolean; retryDelayMs: number } | undefined;
  let lastFailure: FailureDescription | undefined;
  let readyFileState: boolean | undefined;

  const times = (t: TicketTimes): Record<string, string | undefined> => ({
    expiresAt: new Date(t.expiresAt).toISOString(),
    renewUntil: t.renewUntil === undefined ? undefined : new Date(t.renewUntil).toISOString(),
  });

  const report = (): ReadinessReport => {
    const ready = isTicketReady(ticket, now(), config.renewMarginMs);
    return {
      ready,
      principal: ticket?.principal ?? config.principal,
      expiresAt: ticket === undefined ? undefined : new Date(ticket.expiresAt).toISOString(),
      renewUntil:
        ticket?.renewUntil === undefined ? undefined : new Date(ticket.renewUntil).toISOString(),
      reason: ready ? undefined : (lastFailure?.reason ?? (ticket ? 'expiring' : 'starting')),
    };
  };

  const initialise = async (signal?: AbortSignal): Promise<TicketTimes> => {
    const fresh = await withKeytab(provider, config.keytab, privateDir, (keytabPath) =>
      tools.initialise(keytabPath, `FILE:${workingCache}`, signal),
    );
    await publishCache(workingCache, config.ccachePath, {
      uid: config.cacheUid,
      gid: config.cacheGid,
    });
    return fresh;
  };

  const renew = async (signal?: AbortSignal): Promise<TicketTimes> => {
    const renewed = await tools.renew(`FILE:${workingCache}`, signal);
    await publishCache(workingCache, config.ccachePath, {
      uid: config.cacheUid,
      gid: config.cacheGid,
    });
    return renewed;
  };

  const succeeded = (fresh: TicketTimes): void => {
    ticket = fresh;
    consecutiveFailures = 0;
    lastFailure = undefined;
    lastAttempt = { at: now(), failed: false, retryDelayMs: 0 };
    if (fresh.expiresAt - fresh.startsAt <= config.renewMarginMs) {
      log('warning', {
        principal: fresh.principal,
        message: `The ticket lives ${Math.round((fresh.expiresAt - fresh.startsAt) / 1000)} s, not longer than the renew margin (${config.renewMarginMs / 1000} s): the sidecar will never be ready. Lower SIDECAR_RENEW_MARGIN_SECONDS.`,
      });
    }
  };

  const failed = (error: unknown): void => {
    consecutiveFailures += 1;
    lastFailure = describeFailure(error);
    const delay = retryDelay(consecutiveFailures, config.retryBaseMs, config.retryMaxMs);
    lastAttempt = { at: now(), failed: true, retryDelayMs: delay };
    log('failure', {
      principal: config.principal,
      reason: lastFailure.reason,
      message: lastFailure.message,
      consecutiveFailures,
      retryInSeconds: delay / 1000,
    });
  };

  const refresh = async (step: Exclude<NextStep, { kind: 'wait' }>, signal: AbortSignal) => {
    let why: string = step.kind === 'initialise' ? step.why : 'renewal-failed';
    if (step.kind === 'renew') {
      try {
        const renewed = await renew(signal);
        succeeded(renewed);
        log('renewed', { principal: renewed.principal, ...times(renewed) });
        return;
      } catch (error) {
        if (signal.aborted) return;
        const { reason, message } = describeFailure(error);
        log('renewal-failed', { principal: config.principal, reason, message });
        why = `renewal-failed: ${reason}`;
      }
    }
    try {
      const fresh = await initialise(signal);
      succeeded(fresh);
      log(obtainedBefore ? 'reinitialised' : 'obtained', {
        principal: fresh.principal,
        ...times(fresh),
        ...(obtainedBefore ? { why } : {}),
      });
      obtainedBefore = true;
    } catch (error) {
      if (!signal.aborted) failed(error);
    }
  };

  const syncReadiness = async (): Promise<void> => {
    const current = report();
    if (current.ready) {
      // Rewritten on every pass so the file's expiry follows renewals.
      await writeReadyFile(config.readyFile, current);
    } else if (readyFileState !== false) {
      await removeReadyFile(config.readyFile);
    }
    if (current.ready !== readyFileState) {
      if (current.ready) {
        log('ready', { principal: current.principal, expiresAt: current.expiresAt });
      } else if (readyFileState === true) {
        log('unready', {
          principal: current.principal,
          reason: current.reason,
          expiresAt: current.expiresAt,
        });
      }
      readyFileState = current.ready;
    }
  };

  return {
    report,
    async run(signal) {
      await syncReadiness();
      while (!signal.aborted) {
        const at = now();
        const step = planNextStep({
          ticket,
          now: at,
          marginMs: config.renewMarginMs,
          lastAttempt,
          minIntervalMs: MIN_INTERVAL_MS,
        });
        if (step.kind === 'wait') {
          const readyUntil = ticket ? ticket.expiresAt - config.renewMarginMs : Infinity;
          const wakeAt = readyUntil > at ? Math.min(step.at, readyUntil) : step.at;
          try {
            await sleep(Math.min(Math.max(wakeAt - at, 0), MAX_SLEEP_MS), undefined, { signal });
          } catch {
            break;
          }
        } else {
          await refresh(step, signal);
        }
        if (!signal.aborted) await syncReadiness();
      }
    },
    async obtainOnce(signal) {
      const fresh = await initialise(signal);
      succeeded(fresh);
      log('obtained', { principal: fresh.principal, ...times(fresh) });
      return fresh;
    },
  };
}
