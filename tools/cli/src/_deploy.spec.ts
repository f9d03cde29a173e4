import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import { deployContext, findWarehouse } from './_deploy.ts';
import { repoRoot } from './_paths.ts';

/** What `fn` throws (the test fails when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

describe('findWarehouse', () => {
  it('finds a warehouse by its folder name under warehouses/', () => {
    expect(findWarehouse('analytics').dir).toBe(join(repoRoot(), 'warehouses', 'analytics'));
  });

  it('lists every place it looked for an unknown warehouse (exit 2)', () => {
    const error = thrown(() => findWarehouse('no-such-warehouse'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
    expect((error as ConfigError).message).toBe('No warehouse named "no-such-warehouse".');
    expect((error as ConfigError).hint).toContain(
      join(repoRoot(), 'warehouses', 'no-such-warehouse'),
    );
    expect((error as ConfigError).hint).toContain(join(process.cwd(), 'no-such-warehouse'));
  });
});

describe('deployContext', () => {
  it("gives the deploy library this repository's Kerberos sidecar version", () => {
    const file = join(repoRoot(), 'platform', 'kerberos-sidecar', 'package.json');
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    expect(deployContext().sidecar).toEqual({ repository: 'kerberos-sidecar', version });
  });
});
