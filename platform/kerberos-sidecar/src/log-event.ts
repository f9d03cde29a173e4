/** Every event the sidecar logs. */
export type SidecarEvent =
  | 'started'
  | 'obtained'
  | 'renewed'
  | 'reinitialised'
  | 'renewal-failed'
  | 'failure'
  | 'ready'
  | 'unready'
  | 'warning'
  | 'stopping'
  | 'stopped';

/** Fields of one event: principal, times, reasons. Never a keytab, password or ticket. */
export type EventFields = Record<string, string | number | boolean | undefined>;

/** Writes one JSON line per event. */
export type LogEvent = (event: SidecarEvent, fields?: EventFields) => void;

const ERRORS: ReadonlySet<SidecarEvent> = new Set(['failure']);
const WARNINGS: ReadonlySet<SidecarEvent> = new Set(['renewal-failed', 'unready', 'warning']);

/** A logger writing JSON lines (`time`, `level`, `event`, fields) to `write` (stderr). */
export function createLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => number = Date.now,
): LogEvent {
  return (event, fields = {}) => {
    const level = ERRORS.has(event) ? 'error' : WARNINGS.has(event) ? 'warn' : 'info';
    write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, event, ...fields })}\n`);
  };
}
