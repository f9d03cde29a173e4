import { describe, expect, it } from 'vitest';
import type { TicketTimes } from './parse-klist.ts';
import {
  isTicketReady,
  planNextStep,
  refreshAt,
  retryDelay,
  type ScheduleState,
} from './plan-next-step.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** A 10-minute ticket from T0, renewable for 30 minutes. */
const ticket: TicketTimes = {
  principal: 'datakit-loader@DATAKIT.TEST',
  startsAt: T0,
  expiresAt: T0 + 10 * MIN,
  renewUntil: T0 + 30 * MIN,
};

const state = (overrides: Partial<ScheduleState>): ScheduleState => ({
  ticket,
  now: T0,
  marginMs: 2 * MIN,
  lastAttempt: undefined,
  minIntervalMs: 5_000,
  ...overrides,
});

describe('planNextStep', () => {
  it('initialises at once when there is no ticket', () => {
    expect(planNextStep(state({ ticket: undefined }))).toEqual({
      kind: 'initialise',
      why: 'no-ticket',
    });
  });

  it('waits until expiry minus the margin (less a lead of half the margin, at most 60 s) while the ticket is fresh', () => {
    expect(planNextStep(state({ now: T0 + MIN }))).toEqual({
      kind: 'wait',
      at: T0 + 7 * MIN,
    });
  });

  it('renews once expiry minus the margin and lead is reached', () => {
    expect(planNextStep(state({ now: T0 + 7 * MIN }))).toEqual({ kind: 'renew' });
  });

  it('initialises again when the expiry already equals renew-until', () => {
    const capped = { ...ticket, expiresAt: T0 + 30 * MIN };
    expect(planNextStep(state({ ticket: capped, now: T0 + 28 * MIN }))).toEqual({
      kind: 'initialise',
      why: 'renewable-life-spent',
    });
  });

  it('initialises again when a renewal could not outlast the margin', () => {
    const nearEnd = { ...ticket, expiresAt: T0 + 29 * MIN };
    expect(planNextStep(state({ ticket: nearEnd, now: T0 + 28 * MIN + 30_000 }))).toEqual({
      kind: 'initialise',
      why: 'renewable-life-spent',
    });
  });

  it('initialises again when the ticket is not renewable', () => {
    const plain = { ...ticket, renewUntil: undefined };
    expect(planNextStep(state({ ticket: plain, now: T0 + 9 * MIN }))).toEqual({
      kind: 'initialise',
      why: 'renewable-life-spent',
    });
  });

  it('initialises again when the ticket has already expired', () => {
    expect(planNextStep(state({ now: T0 + 11 * MIN }))).toEqual({
      kind: 'initialise',
      why: 'expired',
    });
  });

  it('waits for the retry delay after a failure', () => {
    const lastAttempt = { at: T0 + 8 * MIN, failed: true, retryDelayMs: 20_000 };
    expect(planNextStep(state({ now: T0 + 8 * MIN + 1_000, lastAttempt }))).toEqual({
      kind: 'wait',
      at: T0 + 8 * MIN + 20_000,
    });
  });

  it('tries again once the retry delay has passed', () => {
    const lastAttempt = { at: T0 + 8 * MIN, failed: true, retryDelayMs: 20_000 };
    expect(planNextStep(state({ now: T0 + 8 * MIN + 20_000, lastAttempt }))).toEqual({
      kind: 'renew',
    });
  });

  it('does not refresh twice within the minimum interval when the ticket is shorter than the margin', () => {
    const short = { ...ticket, expiresAt: T0 + MIN };
    const lastAttempt = { at: T0, failed: false, retryDelayMs: 0 };
    expect(planNextStep(state({ ticket: short, now: T0 + 1_000, lastAttempt }))).toEqual({
      kind: 'wait',
      at: T0 + 5_000,
    });
  });
});

describe('refreshAt', () => {
  it('uses half a short margin as the lead', () => {
    expect(refreshAt(ticket, 20_000)).toBe(T0 + 10 * MIN - 30_000);
  });

  it('leads by at most 60 s however long the margin', () => {
    expect(refreshAt(ticket, 5 * MIN)).toBe(T0 + 4 * MIN);
  });

  it('renews before readiness drops', () => {
    expect(refreshAt(ticket, 20_000)).toBeLessThan(ticket.expiresAt - 20_000);
  });
});

describe('isTicketReady', () => {
  it('is ready while the ticket is valid for longer than the margin', () => {
    expect(isTicketReady(ticket, T0 + 7 * MIN, 2 * MIN)).toBe(true);
  });

  it('is not ready once the ticket is valid for the margin or less', () => {
    expect(isTicketReady(ticket, T0 + 8 * MIN, 2 * MIN)).toBe(false);
  });

  it('is not ready without a ticket', () => {
    expect(isTicketReady(undefined, T0, 2 * MIN)).toBe(false);
  });
});

describe('retryDelay', () => {
  it('doubles with each consecutive failure', () => {
    expect([1, 2, 3].map((n) => retryDelay(n, 5_000, 60_000))).toEqual([5_000, 10_000, 20_000]);
  });

  it('never exceeds the maximum', () => {
    expect(retryDelay(50, 5_000, 60_000)).toBe(60_000);
  });
});
