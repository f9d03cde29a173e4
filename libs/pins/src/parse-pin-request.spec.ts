import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import { parsePinRequest } from './parse-pin-request.ts';

const file = 'warehouses/x/warehouse.yaml';

const errorOf = (text: string): ConfigError => {
  try {
    parsePinRequest(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('parsePinRequest', () => {
  it('splits a datakit from an exact version or a range', () => {
    expect(parsePinRequest('pagila-bronze@1.4.2', file)).toEqual({
      datakit: 'pagila-bronze',
      requested: '1.4.2',
    });
    expect(parsePinRequest('pagila-bronze@^1.4.0', file).requested).toBe('^1.4.0');
    expect(parsePinRequest('hello@>=1.0.0 <2.0.0', file).requested).toBe('>=1.0.0 <2.0.0');
  });

  it('refuses a request without a version, naming the field it would write', () => {
    const error = errorOf('pagila-bronze');
    expect(error.exitCode).toBe(ExitCode.Config);
    expect(error.message).toMatchInlineSnapshot(
      `""pagila-bronze" is not <datakit>@<version|range>; expected e.g. pagila-bronze@1.4.2 or pagila-bronze@^1.4.0 (written to field "datakits.<datakit>.version" of warehouses/x/warehouse.yaml)."`,
    );
  });

  it('refuses a malformed range, naming file and field', () => {
    expect(errorOf('pagila-bronze@^1.x.y.z').message).toMatchInlineSnapshot(
      `""^1.x.y.z" in "pagila-bronze@^1.x.y.z" is neither a version nor a semver range, so it cannot become field "datakits.pagila-bronze.version" of warehouses/x/warehouse.yaml; expected e.g. "1.4.2", "^1.4.0" or "~1.4.0"."`,
    );
    expect(() => parsePinRequest('pagila-bronze@latest', file)).toThrowError(ConfigError);
  });
});
