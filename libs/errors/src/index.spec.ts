import { describe, expect, it } from 'vitest';
import { ConfigError, EnvironmentError, ExitCode, exitCodeOf, formatError } from './index.ts';

describe('errors', () => {
  it('gives config errors the config exit code', () => {
    expect(exitCodeOf(new ConfigError('bad'))).toBe(ExitCode.Config);
  });

  it('gives unknown errors the generic failure code', () => {
    expect(exitCodeOf(new TypeError('boom'))).toBe(ExitCode.Failure);
  });

  it('prints the hint after the message', () => {
    const error = new EnvironmentError('No Docker engine answers.', {
      hint: 'Run: apt-get install docker.io',
    });
    expect(formatError(error)).toBe('No Docker engine answers.\nRun: apt-get install docker.io');
  });

  it('names the error after its class', () => {
    expect(new ConfigError('x').name).toBe('ConfigError');
  });
});
