import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parameterProblems } from './_parameters.ts';

// A spec label as images carry it: the config file's JSON Schema, parameters among its
// properties (as the runtime's configJsonSchema writes it).
const label = (parameters: z.ZodType) =>
  JSON.stringify({
    name: 'x',
    config: z.toJSONSchema(z.strictObject({ mode: z.string().optional(), parameters }), {
      io: 'input',
    }),
  });

const since = label(
  z.strictObject({
    since: z.string().regex(/^\d{4}-\d\d-\d\d$/),
    limit: z.number().int().min(1).default(10),
  }),
);

describe('parameterProblems', () => {
  it('accepts parameters that fit, defaults included', () => {
    expect(parameterProblems(since, { since: '2024-01-01' })).toEqual([]);
    expect(parameterProblems(since, { since: '2024-01-01', limit: 5 })).toEqual([]);
  });

  it('names each value that does not fit by its path under parameters', () => {
    expect(parameterProblems(since, { since: 'yesterday', limit: 0, extra: true })).toEqual([
      { field: 'parameters.since', message: expect.stringContaining('must match pattern') },
      { field: 'parameters.limit', message: expect.stringContaining('>=1') },
      { field: 'parameters', message: 'Unrecognized key: "extra"' },
    ]);
    expect(parameterProblems(since, undefined)).toEqual([
      { field: 'parameters.since', message: expect.stringContaining('expected string') },
    ]);
  });

  it('refuses any parameter for a datakit that takes none', () => {
    const none = label(z.strictObject({}));
    expect(parameterProblems(none, {})).toEqual([]);
    expect(parameterProblems(none, { since: '2024-01-01' })).toEqual([
      { field: 'parameters', message: 'Unrecognized key: "since"' },
    ]);
  });

  it('has nothing to check for a label without a config schema', () => {
    expect(parameterProblems(JSON.stringify({ contracts: [] }), { a: 1 })).toBeUndefined();
    expect(parameterProblems('not json', { a: 1 })).toBeUndefined();
  });
});
