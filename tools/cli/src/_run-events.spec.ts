import { describe, expect, it } from 'vitest';

import { renderRunEvent, RunView } from './_run-events.ts';

describe('renderRunEvent', () => {
  it('shows tables and the summary, and leaves logs and progress to stderr', () => {
    expect(
      renderRunEvent(
        '{"type":"table","runId":"r1","table":"bronze.rental","mode":"merge","read":16044,"written":16044,"rejected":2,"filtered":0,"durationMs":1234}',
      ),
    ).toBe(
      'bronze.rental                merge       16,044 read     16,044 written, 2 rejected  1.23 s',
    );
    expect(
      renderRunEvent(
        '{"type":"summary","runId":"r1","status":"succeeded","tables":15,"read":49636,"written":10,"rejected":0,"filtered":0,"durationMs":572}',
      ),
    ).toBe(
      'succeeded: 15 tables, 49,636 rows read, 10 written, 0 rejected, 0 filtered in 0.57 s (run r1)',
    );
    expect(renderRunEvent('{"type":"log","level":"info","message":"x"}')).toBeUndefined();
    expect(renderRunEvent('{"type":"progress","read":1,"written":1}')).toBeUndefined();
    expect(renderRunEvent('not json')).toBe('not json');
  });
});

describe('RunView', () => {
  const progress = (read: number) =>
    JSON.stringify({ type: 'progress', runId: 'r1', table: 'bronze.rental', read, written: read });
  const table =
    '{"type":"table","runId":"r1","table":"bronze.rental","mode":"merge","read":20000,"written":20000,"rejected":0,"filtered":0,"durationMs":2000}';

  it('rewrites one live line per table from progress, then prints the table line in its place', () => {
    let now = 1000;
    const view = new RunView({ verbose: false, now: () => now });
    expect(view.stdout(progress(0)).stdout).toBe(
      '\r\x1b[Kbronze.rental                loading          0 read          0 written  0 rows/s  0.0 s',
    );
    now = 3000;
    expect(view.stdout(progress(20000)).stdout).toBe(
      '\r\x1b[Kbronze.rental                loading     20,000 read     20,000 written  10,000 rows/s  2.0 s',
    );
    expect(view.stdout(table).stdout).toBe(
      '\r\x1b[Kbronze.rental                merge       20,000 read     20,000 written  2.00 s\n',
    );
    // No live line left to clear.
    expect(view.stdout(table).stdout).toBe(
      'bronze.rental                merge       20,000 read     20,000 written  2.00 s\n',
    );
  });

  it('keeps INFO lines for --verbose, and always shows warnings, errors and the paragraph', () => {
    const quiet = new RunView({ verbose: false });
    const info = '2026-12-02T10:00:00.000Z INFO loading bronze.rental (merge) from public.rental';
    const warn = '2026-12-02T10:00:00.000Z WARN schema drift accepted: ~ public.rental.x';
    expect(quiet.stderr(info)).toEqual({ stdout: '', stderr: '' });
    expect(quiet.stderr(warn)).toEqual({ stdout: '', stderr: `${warn}\n` });
    quiet.stdout(progress(5));
    // A line on stderr first ends the live line, so the two never share a line.
    expect(quiet.stderr('Schema drift in the source schema public.')).toEqual({
      stdout: '\r\x1b[K',
      stderr: 'Schema drift in the source schema public.\n',
    });
    expect(new RunView({ verbose: true }).stderr(info)).toEqual({
      stdout: '',
      stderr: `${info}\n`,
    });
  });
});
