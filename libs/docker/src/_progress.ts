import type { Readable } from 'node:stream';
import { DockerError } from '@datakit/errors';

/** One event of a Docker build, push, pull or import progress stream. */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/**
 * Reads a JSON-lines progress stream to its end and returns every event. The engine reports
 * build, push and pull failures *inside* a stream whose HTTP status was 200, so every event is
 * scanned; the first `error` rejects with the lines that came before it (the failing step's
 * output), which dockerode's own `followProgress` would hand back as success.
 */
export async function readProgress(
  stream: Readable,
  what: string,
  onEvent?: (event: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  let pending = '';
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    let event: ProgressEvent;
    try {
      event = JSON.parse(line) as ProgressEvent;
    } catch {
      event = { stream: line };
    }
    events.push(event);
    onEvent?.(event);
    if (event.error !== undefined || event.errorDetail !== undefined) {
      const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
      throw new DockerError(`${what} failed: ${message.trim()}`, {
        hint: recentOutput(events),
      });
    }
  };
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) handle(line);
  }
  handle(pending);
  return events;
}

/** The last lines of build output before a failure: the step and what it printed. */
function recentOutput(events: ProgressEvent[]): string | undefined {
  const lines = events
    .map((event) => event.stream ?? event.status ?? '')
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) return undefined;
  const tail = lines.slice(-15);
  return `Output before the failure:\n${tail.map((line) => `  ${line}`).join('\n')}`;
}
