// How `datakit run` shows a datakit's JSON-lines events to a person at a terminal. Logs go to
// stderr as the datakit writes them; here only the events that say what happened.
import type { DatakitEvent } from '@datakit/runtime';

/** One line for a person, or undefined for events a person does not need (logs, progress). */
export function renderRunEvent(line: string): string | undefined {
  let event: DatakitEvent;
  try {
    event = JSON.parse(line) as DatakitEvent;
  } catch {
    return line; // not an event: show it as it came
  }
  const count = (n: number | undefined) => Number(n ?? 0).toLocaleString('en-US');
  const seconds = (ms: number | undefined) => `${(Number(ms ?? 0) / 1000).toFixed(2)} s`;
  switch (event.type) {
    case 'table': {
      const extra = [
        event.rejected > 0 ? `${count(event.rejected)} rejected` : '',
        event.filtered > 0 ? `${count(event.filtered)} filtered` : '',
      ].filter(Boolean);
      return `${event.table.padEnd(28)} ${event.mode.padEnd(7)} ${count(event.read).padStart(10)} read ${count(event.written).padStart(10)} written${extra.length > 0 ? `, ${extra.join(', ')}` : ''}  ${seconds(event.durationMs)}`;
    }
    case 'summary':
      return `${event.status}: ${count(event.tables)} tables, ${count(event.read)} rows read, ${count(event.written)} written, ${count(event.rejected)} rejected, ${count(event.filtered)} filtered in ${seconds(event.durationMs)} (run ${event.runId})`;
    case 'check':
      return `check: ${event.status}`;
    case 'spec':
      return `spec: ${event.name} ${event.version}`;
    default:
      // log (already on stderr), progress, error (its paragraph is on stderr)
      return undefined;
  }
}

/** A job's timestamped log line on stderr (`2026-12-02T10:00:00.000Z INFO …`) and its level. */
const LOG_LINE = /^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO|WARN|ERROR) /;

/** What to write for one line the job printed: text for stdout and stderr, in order. */
export interface RunViewOutput {
  stdout: string;
  stderr: string;
}

/**
 * The terminal view of a running datakit: one live line per table while it loads (rows read
 * and written, rate, elapsed), rewritten in place from the job's `progress` events and replaced
 * by the table's final line; the job's timestamped INFO and DEBUG lines only with `verbose`
 * (WARN, ERROR and the error paragraph always), so they no longer interleave with the tables.
 */
export class RunView {
  #live: { table: string; since: number } | undefined;
  #liveShown = false;

  readonly #options: { verbose: boolean; now?: () => number };

  constructor(options: { verbose: boolean; now?: () => number }) {
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** A line of the job's stdout (a JSON event, or text). */
  stdout(line: string): RunViewOutput {
    let event: DatakitEvent | undefined;
    try {
      event = JSON.parse(line) as DatakitEvent;
    } catch {
      event = undefined;
    }
    if (event?.type === 'progress') {
      if (this.#live?.table !== event.table)
        this.#live = { table: event.table, since: this.#now() };
      const elapsed = Math.max((this.#now() - this.#live.since) / 1000, 0.001);
      const rate = Math.round(event.read / elapsed).toLocaleString('en-US');
      this.#liveShown = true;
      return {
        stdout: `\r\x1b[K${event.table.padEnd(28)} loading ${event.read.toLocaleString('en-US').padStart(10)} read ${event.written.toLocaleString('en-US').padStart(10)} written  ${rate} rows/s  ${elapsed.toFixed(1)} s`,
        stderr: '',
      };
    }
    const shown = renderRunEvent(line);
    const clear = this.#clear();
    if (event?.type === 'table') this.#live = undefined;
    return { stdout: shown === undefined ? clear : `${clear}${shown}\n`, stderr: '' };
  }

  /** A line of the job's stderr. */
  stderr(line: string): RunViewOutput {
    const level = LOG_LINE.exec(line)?.[1];
    if (!this.#options.verbose && (level === 'INFO' || level === 'DEBUG')) {
      return { stdout: '', stderr: '' };
    }
    return { stdout: this.#clear(), stderr: `${line}\n` };
  }

  /** What ends the live line before other output (empty when none is shown). */
  #clear(): string {
    if (!this.#liveShown) return '';
    this.#liveShown = false;
    return '\r\x1b[K';
  }
}
