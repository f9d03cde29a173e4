import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import type { DatabaseKind } from './adapter.ts';
import { createSourceAdapter, createTargetAdapter } from './create-adapter.ts';
import { postgresSource, postgresTarget } from './postgres/index.ts';

describe('createSourceAdapter / createTargetAdapter', () => {
  it('picks the PostgreSQL adapters for kind postgres', () => {
    expect(createSourceAdapter('postgres')).toBe(postgresSource);
    expect(createTargetAdapter('postgres')).toBe(postgresTarget);
  });

  it('refuses a kind it has no adapter for with a ConfigError', () => {
    const unknown = 'oracle' as DatabaseKind;
    expect(createSourceAdapter('sqlserver').kind).toBe('sqlserver');
    expect(() => createSourceAdapter(unknown)).toThrow(ConfigError);
    expect(() => createSourceAdapter(unknown)).toThrow(/kind "oracle" cannot be read/);
    expect(() => createTargetAdapter(unknown)).toThrow(/the warehouse must be PostgreSQL/);
  });
});
