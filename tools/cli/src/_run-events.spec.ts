import { describe, expect, it } from 'vitest';

import { renderRunEvent } from './_run-events.ts';

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
