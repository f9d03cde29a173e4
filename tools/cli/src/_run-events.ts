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
