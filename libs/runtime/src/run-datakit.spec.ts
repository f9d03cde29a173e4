import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SourceSession, StoppedRun, TargetSession } from '@datakit/databases';
import { EnvironmentError, RejectsError } from '@datakit/errors';
import { beforeEach, describe, expect, it } from 'vitest';

import { runDatakit } from './run-datakit.ts';
import type { DatakitServices, LoadTableInput } from './services.ts';
import { captureIo, testDatakit } from './_test-datakit.ts';

let configFile: string;
beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'runtime-run-'));
  configFile = join(dir, 'config.json');
  const connection = (database: string) => ({
    kind: 'postgres',
    host: '127.0.0.1',
    database,
    user: 'u',
    password: 'env:PG_PASSWORD',
  });
  writeFileSync(configFile, JSON.stringify({ source: connection('a'), target: connection('b') }));
});

/** Runs the fake target sessions were asked to record as stopped. */
let stopped: StoppedRun[] = [];
beforeEach(() => {
  stopped = [];
});

const fakeSession = <TSession>(role: 'source' | 'target'): TSession =>
  ({
    role,
    label: role,
    close: () => Promise.resolve(),
    recordStoppedRun: (stop: StoppedRun) => {
      stopped.push(stop);
      return Promise.resolve();
    },
  }) as unknown as TSession;

/** Services that connect to nothing and load 10 rows per table. */
function fakeServices(overrides: Partial<DatakitServices> = {}): {
  services: Partial<DatakitServices>;
  loaded: LoadTableInput[];
} {
  const loaded: LoadTableInput[] = [];
  return {
    loaded,
    services: {
      openSource: () => Promise.resolve(fakeSession<SourceSession>('source')),
      openTarget: () => Promise.resolve(fakeSession<TargetSession>('target')),
      checkDrift: () => Promise.resolve({ ok: true, result: { source: [], target: [] }, text: '' }),
      loadTable: (input) => {
        loaded.push(input);
        input.onProgress({ read: 10, written: 9 });
        return Promise.resolve({ read: 10, written: 9, rejected: 0, filtered: 1, cursor: null });
      },
      ...overrides,
    },
  };
}

const drifted = () =>
  Promise.resolve({
    ok: false,
    result: { source: [{ ok: false }] },
    text: 'Schema drift in the source schema public: 1 breaking, 0 accepted.\n  ! public.customer.email: column missing: expected text NULL, found nothing',
  });

describe('runDatakit spec', () => {
  it('prints one spec line with name and version from the environment and exits 0', async () => {
    const io = captureIo();

    const code = await runDatakit(
      testDatakit,
      ['spec'],
      { DATAKIT_NAME: 'kit', DATAKIT_VERSION: '1.2.3' },
      { io },
    );

    const [spec, ...rest] = io.events();
    expect(code).toBe(0);
    expect(rest).toEqual([]);
    expect(spec).toMatchObject({ type: 'spec', name: 'kit', version: '1.2.3' });
    expect(io.exitCode).toBe(0);
  });

  it('falls back to the definition name and a dev version', async () => {
    const io = captureIo();
    await runDatakit(testDatakit, ['spec'], {}, { io });
    expect(io.events()[0]).toMatchObject({ name: 'test-kit', version: '0.0.0-dev' });
  });

  it('describes contracts, transforms and the config schema', async () => {
    const io = captureIo();
    await runDatakit(testDatakit, ['spec'], {}, { io });
    const spec = io.events()[0] as {
      contracts: { schema: string; name: string }[];
      transforms: unknown[];
      contractHash: string;
      config: { properties: Record<string, unknown>; additionalProperties: boolean };
    };

    expect(spec.contracts.map((c) => `${c.schema}.${c.name}`)).toEqual([
      'public.country',
      'public.customer',
      'bronze.country',
      'bronze.customer',
    ]);
    expect(spec.transforms).toEqual([
      {
        name: 'country_to_country',
        source: 'public.country',
        target: 'bronze.country',
        mode: 'replace',
        modes: ['merge', 'replace'],
        cursor: null,
        cursorUnique: false,
        dedupOn: [],
      },
      {
        name: 'customer_to_customer',
        source: 'public.customer',
        target: 'bronze.customer',
        mode: 'merge',
        // last_update is not unique: append could lose a row at the saved value.
        modes: ['merge', 'replace'],
        cursor: 'last_update',
        cursorUnique: false,
        dedupOn: [],
      },
    ]);
    expect(spec.contractHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(spec.config.properties)).toEqual([
      '$schema',
      'source',
      'target',
      'mode',
      'rejectThreshold',
      'rejectFloor',
      'batchSize',
      'copyFormat',
      'concurrency',
      'tables',
      'sourceSchema',
      'targetSchema',
      'parameters',
    ]);
    expect(spec.config.additionalProperties).toBe(false);
  });
});

describe('runDatakit check', () => {
  it('prints an ok check event and exits 0 when nothing drifted', async () => {
    const io = captureIo();
    const code = await runDatakit(
      testDatakit,
      ['check', '--config', configFile],
      {},
      { io, ...fakeServices() },
    );
    expect(code).toBe(0);
    expect(io.events()).toEqual([
      { type: 'check', status: 'ok', result: { source: [], target: [] } },
    ]);
  });

  it('prints a drift check event, the diff on stderr, and exits 3', async () => {
    const io = captureIo();
    const code = await runDatakit(
      testDatakit,
      ['check', '--config', configFile],
      {},
      {
        io,
        ...fakeServices({ checkDrift: drifted }),
      },
    );
    expect(code).toBe(3);
    expect(io.events()[0]).toMatchObject({ type: 'check', status: 'drift' });
    expect(io.err()).toContain('public.customer.email: column missing');
  });
});

describe('runDatakit run', () => {
  it('loads every table and prints progress, table and summary events with one run id', async () => {
    const io = captureIo();
    const { services, loaded } = fakeServices();

    // One table at a time, so the events come in one order.
    const code = await runDatakit(
      testDatakit,
      ['run', '--config', configFile],
      { DATAKIT_CONCURRENCY: '1' },
      { io, services },
    );

    const events = io.events().filter((e) => e.type !== 'log');
    expect(code).toBe(0);
    expect(loaded.map((l) => l.table.target.name)).toEqual(['country', 'customer']);
    expect(events.map((e) => e.type)).toEqual([
      'progress',
      'table',
      'progress',
      'table',
      'summary',
    ]);
    expect(new Set(io.events().map((e) => e.runId)).size).toBe(1);
    expect(events.at(-1)).toMatchObject({
      type: 'summary',
      status: 'succeeded',
      tables: 2,
      read: 20,
      written: 18,
      rejected: 0,
      filtered: 2,
    });
    expect(events[1]).toMatchObject({
      table: 'bronze.country',
      source: 'public.country',
      mode: 'replace',
    });
  });

  it('stops before any row moves when a schema drifted, exit 3', async () => {
    const io = captureIo();
    const { services, loaded } = fakeServices({ checkDrift: drifted });

    const code = await runDatakit(
      testDatakit,
      ['run', '--config', configFile],
      {},
      { io, services },
    );

    expect(code).toBe(3);
    expect(loaded).toEqual([]);
    expect(io.events().filter((e) => e.type === 'error')).toMatchObject([
      { failure_type: 'drift_error', exitCode: 3 },
    ]);
    expect(io.events().at(-1)).toMatchObject({ type: 'summary', status: 'failed', tables: 0 });
    // The warehouse's bookkeeping records the stopped run, per table, with the diff.
    const runId = (io.events().at(-1) as { runId: string }).runId;
    expect(stopped).toEqual([
      {
        runId,
        datakit: 'test-kit',
        contractHash: expect.stringMatching(/^sha256:/) as string,
        status: 'drift',
        error: expect.stringContaining('public.customer.email: column missing') as string,
        tables: [
          { targetTable: 'bronze.country', sourceTable: 'public.country', mode: 'replace' },
          { targetTable: 'bronze.customer', sourceTable: 'public.customer', mode: 'merge' },
        ],
      },
    ]);
  });

  it('logs each accepted drift change once, and loads', async () => {
    const io = captureIo();
    const { services, loaded } = fakeServices({
      checkDrift: () =>
        Promise.resolve({
          ok: true,
          result: {},
          text: '',
          accepted: [
            '~ public.customer.nickname: extra column: expected nothing, found text NULL (ignore)',
          ],
        }),
    });

    expect(
      await runDatakit(testDatakit, ['run', '--config', configFile], {}, { io, services }),
    ).toBe(0);
    expect(loaded).toHaveLength(2);
    expect(
      io.err().match(/schema drift accepted: ~ public\.customer\.nickname: extra column/g),
    ).toHaveLength(1);
  });

  it('still exits 3 for drift when the stopped run cannot be recorded', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      checkDrift: drifted,
      openTarget: () =>
        Promise.resolve({
          ...fakeSession<TargetSession>('target'),
          recordStoppedRun: () =>
            Promise.reject(new Error('permission denied for schema _datakit')),
        }),
    });

    expect(
      await runDatakit(testDatakit, ['run', '--config', configFile], {}, { io, services }),
    ).toBe(3);
    expect(io.err()).toContain('could not be recorded in the warehouse: permission denied');
  });

  it('exits 4 when the loader reports rejects over the threshold', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      loadTable: () =>
        Promise.reject(new RejectsError('bronze.country: 3 of 10 rows were rejected.')),
    });

    expect(
      await runDatakit(testDatakit, ['run', '--config', configFile], {}, { io, services }),
    ).toBe(4);
    expect(io.events().find((e) => e.type === 'error')).toMatchObject({
      failure_type: 'rejects_error',
    });
  });

  it('exits 4 when a loader only counts rejects and the threshold is passed', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      loadTable: () => Promise.resolve({ read: 10, written: 7, rejected: 3, filtered: 0 }),
    });

    const code = await runDatakit(
      testDatakit,
      ['run', '--config', configFile],
      { DATAKIT_REJECT_THRESHOLD: '0.1' },
      { io, services },
    );

    expect(code).toBe(4);
    expect(io.errorParagraph()).toMatchInlineSnapshot(`
      "bronze.country: 3 of 10 rows were rejected (30%), more than the threshold of 10%.
      The rejected rows and their reasons are kept in the warehouse; fix the data or raise rejectThreshold (a fraction) or rejectFloor (rows).
      "
    `);
  });

  it('exits 5 with one paragraph when a database cannot be reached', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      openSource: () =>
        Promise.reject(
          new EnvironmentError(
            'The source database a at 127.0.0.1:1 as u cannot be reached: the connection was refused.',
            { hint: 'Check host and port.' },
          ),
        ),
    });

    expect(
      await runDatakit(testDatakit, ['run', '--config', configFile], {}, { io, services }),
    ).toBe(5);
    expect(io.errorParagraph()).toMatchInlineSnapshot(`
      "The source database a at 127.0.0.1:1 as u cannot be reached: the connection was refused.
      Check host and port.
      "
    `);
  });

  it('exits 1 for an unexpected error without a stack trace', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      loadTable: () => Promise.reject(new TypeError('x is not a function')),
    });

    expect(
      await runDatakit(testDatakit, ['run', '--config', configFile], {}, { io, services }),
    ).toBe(1);
    expect(io.err()).not.toMatch(/\n\s+at /);
    expect(io.events().find((e) => e.type === 'error')).toMatchObject({
      failure_type: 'system_error',
      error: 'TypeError',
    });
  });

  it('adds the stack trace when DATAKIT_DEBUG=1', async () => {
    const io = captureIo();
    const { services } = fakeServices({
      loadTable: () => Promise.reject(new TypeError('x is not a function')),
    });

    await runDatakit(
      testDatakit,
      ['run', '--config', configFile],
      { DATAKIT_DEBUG: '1' },
      { io, services },
    );

    expect(io.err()).toMatch(/\n\s+at /);
  });
});
