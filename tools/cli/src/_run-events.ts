// How `datakit run` shows a datakit's JSON-lines events to a person at a terminal. Logs go to
// stderr as the datakit writes them; here only the events that say what happened.

/** One line for a person, or undefined for events a person does not need (logs, progress). */
export function renderRunEvent(line: string): string | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line; // not an event: show it as it came
  }
  const count = (key: string) => Number(event[key] ?? 0).toLocaleString('en-US');
  const seconds = (key: string) => `${(Number(event[key] ?? 0) / 1000).toFixed(2)} s`;
  switch (event.type) {
    case 'table': {
      const extra = [
        Number(event.rejected) > 0 ? `${count('rejected')} rejected` : '',
        Number(event.filtered) > 0 ? `${count('filtered')} filtered` : '',
      ].filter(Boolean);
      return `${String(event.table).padEnd(28)} ${String(event.mode).padEnd(7)} ${count('read').padStart(10)} read ${count('written').padStart(10)} written${extra.length > 0 ? `, ${extra.join(', ')}` : ''}  ${seconds('durationMs')}`;
    }
    case 'summary':
      return `${String(event.status)}: ${count('tables')} tables, ${count('read')} rows read, ${count('written')} written, ${count('rejected')} rejected, ${count('filtered')} filtered in ${seconds('durationMs')} (run ${String(event.runId)})`;
    case 'check':
      return `check: ${String(event.status)}`;
    case 'spec':
      return `spec: ${String(event.name)} ${String(event.version)}`;
    default:
      // log (already on stderr), progress, error (its paragraph is on stderr)
      return undefined;
  }
}
