import { performance } from 'node:perf_hooks';

import type { RunPhase } from '@datakit/deploy';
import type { RunTimings, SummaryEvent } from '@datakit/runtime';

/**
 * Where the seconds of `datakit run` go (`--timings`): the CLI's own start (since the process
 * began), each phase the driver reports, and the job's timings from its summary line.
 */
export class RunTimer {
  readonly #begun = performance.now();
  readonly #phases: { name: string; at: number }[] = [];
  #job: Partial<RunTimings> | undefined;
  #jobMs: number | undefined;

  phase(name: RunPhase): void {
    this.#phases.push({ name, at: performance.now() });
  }

  /** Watches the job's stdout for its summary. */
  stdout(line: string): void {
    if (!line.includes('"type":"summary"')) return;
    try {
      const summary = JSON.parse(line) as Partial<SummaryEvent>;
      this.#job = summary.timings;
      this.#jobMs = summary.durationMs;
    } catch {
      // not a JSON line after all: no job timings
    }
  }

  render(): string {
    const end = performance.now();
    const at = (name: string) => this.#phases.find((p) => p.name === name)?.at;
    const ms = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? '?' : `${Math.round(to - from)} ms`;
    const ticket = at('ticket');
    const started = at('started');
    const exited = at('exited');
    const job = this.#job;
    const lines = [
      `timings (total ${Math.round(end)} ms since the CLI process began):`,
      `  cli start (node, oclif, warehouse.yaml)   ${Math.round(this.#begun)} ms`,
      `  wait for the ticket                       ${ms(this.#begun, ticket)}`,
      `  start the container                       ${ms(ticket, started)}`,
      `  the job, started to exited                ${ms(started, exited)}`,
    ];
    if (job !== undefined) {
      lines.push(
        `    its process start (node, bundle)        ${job.startupMs ?? '?'} ms`,
        `    config, connect, drift check            ${job.configMs ?? '?'} + ${job.connectMs ?? '?'} + ${job.driftMs ?? '?'} ms`,
        `    loads (${job.concurrency ?? '?'} at a time)                  ${job.loadsMs ?? '?'} ms`,
        `    verb total                              ${this.#jobMs ?? '?'} ms`,
      );
    }
    lines.push(`  after the exit (output drained)           ${ms(exited, end)}`);
    if (job?.loadsMs !== undefined) {
      lines.push(`  beyond the loads                          ${Math.round(end - job.loadsMs)} ms`);
    }
    return lines.join('\n');
  }
}
