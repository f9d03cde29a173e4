import type { TicketTimes } from './parse-klist.ts';

/** What the supervisor should do next. */
export type NextStep =
  /** Get a new ticket from the keytab (no ticket, renewal no longer possible or failed). */
  | { kind: 'initialise'; why: 'no-ticket' | 'renewable-life-spent' | 'expired' }
  /** Extend the current ticket with `kinit -R`. */
  | { kind: 'renew' }
  /** Nothing to do before `at` (epoch ms). */
  | { kind: 'wait'; at: number };

/** What the schedule depends on. */
export interface ScheduleState {
  /** The ticket in the cache, if any. */
  ticket: TicketTimes | undefined;
  /** Epoch ms now. */
  now: number;
  /** Act this long before the ticket expires (ms). */
  marginMs: number;
  /**
   * When the last attempt (successful or not) ended, and whether it failed: after a failure the
   * next attempt waits `retryDelayMs`; after a success the next one waits at least
   * `minIntervalMs`, so a ticket shorter than the margin cannot make the loop spin.
   */
  lastAttempt: { at: number; failed: boolean; retryDelayMs: number } | undefined;
  /** The shortest time between two successful refreshes (ms). */
  minIntervalMs: number;
}

/**
 * Decides the next step. Renew at `expiry - margin` while a renewal would still give a ticket
 * valid for longer than the margin; otherwise (renewable lifetime spent, not renewable, or
 * already expired) initialise again from the keytab.
 */
export function planNextStep(state: ScheduleState): NextStep {
  const { ticket, now, marginMs, lastAttempt, minIntervalMs } = state;
  const notBefore =
    lastAttempt === undefined
      ? now
      : lastAttempt.at + (lastAttempt.failed ? lastAttempt.retryDelayMs : minIntervalMs);
  if (now < notBefore) return { kind: 'wait', at: notBefore };
  if (ticket === undefined) return { kind: 'initialise', why: 'no-ticket' };
  const renewAt = ticket.expiresAt - marginMs;
  if (now < renewAt) return { kind: 'wait', at: Math.max(renewAt, notBefore) };
  if (now >= ticket.expiresAt) return { kind: 'initialise', why: 'expired' };
  if (ticket.renewUntil !== undefined && ticket.renewUntil - now > marginMs) {
    return { kind: 'renew' };
  }
  return { kind: 'initialise', why: 'renewable-life-spent' };
}

/** Whether a ticket is valid for longer than the margin: the sidecar's readiness. */
export function isTicketReady(
  ticket: TicketTimes | undefined,
  now: number,
  marginMs: number,
): boolean {
  return ticket !== undefined && ticket.expiresAt - now > marginMs;
}

/** Exponential backoff after consecutive failures: base, 2×base, 4×base … capped at max. */
export function retryDelay(consecutiveFailures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 20));
}
