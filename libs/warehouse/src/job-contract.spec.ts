import { describe, expect, it } from 'vitest';
import { dockerSecretFileOf } from './job-contract.ts';

describe('dockerSecretFileOf', () => {
  it('gives the path below the Docker secrets folder', () => {
    expect(dockerSecretFileOf('/run/secrets/datakit/pg/loader.password')).toEqual({
      relativePath: 'pg/loader.password',
    });
  });

  it.each([
    ['/run/secrets/datakit/../../etc/shadow'],
    ['/run/secrets/datakit/./loader.password'],
    ['/run/secrets/datakit//loader.password'],
    ['/run/secrets/datakit/'],
    ['/run/secrets/keytab'],
  ])('names no file for %s, saying where files must be', (path) => {
    expect(dockerSecretFileOf(path)).toBe(
      `"file:${path}" is not a file below /run/secrets/datakit/, where the Docker driver mounts the environment's secretsDir one file at a time (e.g. file:/run/secrets/datakit/warehouse_loader.password)`,
    );
  });
});
