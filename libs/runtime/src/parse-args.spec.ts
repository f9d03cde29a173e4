import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';

import { parseArgs } from './parse-args.ts';

describe('parseArgs', () => {
  it('reads a verb without options', () => {
    expect(parseArgs(['spec'])).toEqual({ verb: 'spec', configPath: undefined });
  });

  it('reads --config as two arguments or with =', () => {
    expect(parseArgs(['run', '--config', '/c.json']).configPath).toBe('/c.json');
    expect(parseArgs(['check', '--config=/c.json']).configPath).toBe('/c.json');
  });

  it('rejects a missing or unknown verb with the usage', () => {
    expect(() => parseArgs([])).toThrow(ConfigError);
    expect(() => parseArgs(['read'])).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: Unknown verb "read"; expected spec, check or run.]`,
    );
  });

  it('rejects --config without a path and unknown arguments', () => {
    expect(() => parseArgs(['run', '--config'])).toThrow('--config needs a path');
    expect(() => parseArgs(['run', '--verbose'])).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: Unknown argument "--verbose" for run.]`,
    );
  });
});
