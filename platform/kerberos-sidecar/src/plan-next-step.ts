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
 * Decides the next step. Renew shortly before `expiry - margin` (see {@link refreshAt}) while a
 * renewal would extend the ticket beyond its current expiry and beyond the margin; otherwise
 * (renewable lifetime spent, not renewable, or already expired) initialise again from the keytab.
 */
export function planNextStep(state: ScheduleState): NextStep {
  const { ticket, now, marginMs, lastAttempt, minIntervalMs } = state;
  const notBefore =
    lastAttempt === undefined
      ? now
      : lastAttempt.at + (lastAttempt.failed ? lastAttempt.retryDelayMs : minIntervalMs);
  if (now < notBefore) return { kind: 'wait', at: notBefore };
  if (ticket === undefined) return { kind: 'initialise', why: 'no-ticket' };
  const renewAt = refreshAt(ticket, marginMs);
  if (now < renewAt) return { kind: 'wait', at: Math.max(renewAt, notBefore) };
  if (now >= ticket.expiresAt) return { kind: 'initialise', why: 'expired' };
  // A renewal ends at min(now + max life, renew-until): worth it only if that is later than the
  // current expiry and still more than the margin away.
  const { renewUntil } = ticket;
  if (renewUntil !== undefined && renewUntil > ticket.expiresAt && renewUntil - now > marginMs) {
    return { kind: 'renew' };
  }
  return { kind: 'initialise', why: 'renewable-life-spent' };
}

/**
 * When to refresh a ticket: at `expiry - margin`, less a lead (half the margin, at most 60 s) so
 * a renewal that succeeds lands before readiness would drop. The lead has to cover a slow
 * exchange: libkrb5 waits 1 s, then 2 s, 4 s … on a KDC that does not answer before it tries the
 * next one, and a loaded node adds its own seconds; with a shorter lead a renewal that succeeds
 * can still turn the sidecar unready for a moment.
 */
export function refreshAt(ticket: TicketTimes, marginMs: number): number {
  return ticket.expiresAt - marginMs - Math.min(60_000, marginMs / 2);
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
