import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerError } from '@datakit/errors';
import { readProgress } from './_progress.ts';

const streamOf = (...chunks: string[]): Readable => Readable.from(chunks);

describe('readProgress', () => {
  it('returns every event of a successful stream, across chunk boundaries', async () => {
    const events = await readProgress(
      streamOf(
        '{"stream":"Step 1/2 : FROM x\\n"}\n{"str',
        'eam":"ok\\n"}\n{"aux":{"ID":"sha256:abc"}}\n',
      ),
      'build',
    );
    expect(events.map((e) => e.aux?.ID ?? e.stream)).toEqual([
      'Step 1/2 : FROM x\n',
      'ok\n',
      'sha256:abc',
    ]);
  });

  it('rejects on an error event even though the stream itself ended normally', async () => {
    const failing = readProgress(
      streamOf(
        '{"stream":"Step 2/3 : RUN false\\n"}\n',
        '{"stream":" ---> Running in 1234\\n"}\n',
        '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c false\' returned a non-zero code: 1"},"error":"x"}\n',
      ),
      'Building image demo',
    );
    await expect(failing).rejects.toBeInstanceOf(DockerError);
    await expect(failing).rejects.toThrow(/Building image demo failed: The command/);
  });

  it('shows the failing step in the hint', async () => {
    const error = await readProgress(
      streamOf('{"stream":"Step 2/3 : RUN false\\n"}\n{"error":"returned a non-zero code: 1"}\n'),
      'build',
    ).then(
      () => undefined,
      (e: unknown) => e as DockerError,
    );
    expect(error?.hint).toContain('Step 2/3 : RUN false');
  });
});
