import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '@datakit/errors';
import { localInfra } from '@datakit/local-infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openPostgres } from './connect.ts';

// openConnection with auth "kerberos" against the local PostgreSQL and KDC (`npm run
// infra:up`): principal datakit-e2e logs in as the password-less role kerberos_reader. The
// ticket caches are files in a temporary folder, named by KRB5CCNAME as the sidecar's would be.
const infra = localInfra();
const saved = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
let dir: string;

const source = {
  kind: 'postgres' as const,
  host: 'localhost',
  port: 5432,
  database: 'pagila',
  user: 'kerberos_reader',
  auth: 'kerberos' as const,
  schema: 'public',
  sslMode: 'disable' as const,
};

function useCache(name: string, principal?: 'datakit-e2e' | 'datakit-loader'): string {
  const cache = `FILE:${join(dir, name)}`;
  process.env.KRB5CCNAME = cache;
  if (principal) {
    const result = spawnSync(
      'kinit',
      ['-kt', infra.kerberos.keytabs[principal], `${principal}@${infra.kerberos.realm}`],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
  }
  return cache;
}

async function failure(connection = source): Promise<EnvironmentError> {
  const error: unknown = await openPostgres('source', connection).then(
    async (open) => {
      await open.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvironmentError);
  return error as EnvironmentError;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'datakit-runtime-krb-'));
  process.env.KRB5_CONFIG = infra.kerberos.krb5Config;
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('openPostgres with auth kerberos', () => {
  it('logs in with the ticket and no password, on the native client', async () => {
    useCache('e2e', 'datakit-e2e');
    const open = await openPostgres('source', source);
    try {
      expect(open.label).toBe('source database pagila at localhost:5432 as kerberos_reader');
      expect((open.client as unknown as { native?: unknown }).native).toBeTruthy();
      const { rows } = await open.client.query<{ user: string; tz: string; films: string }>(
        `select current_user as user, current_setting('TimeZone') as tz, count(*) as films from film`,
      );
      expect(rows).toEqual([{ user: 'kerberos_reader', tz: 'UTC', films: '1000' }]);
    } finally {
      await open.close();
    }
  });

  it('says there is no ticket, and asks about the sidecar, when the cache is missing', async () => {
    const cache = useCache('missing');
    const error = await failure();
    expect(error.message).toBe(
      `No valid Kerberos ticket in ${cache} for the source database pagila at localhost:5432 as kerberos_reader: the cache file does not exist.`,
    );
    expect(error.hint).toMatch(/^Is the Kerberos sidecar ready\?/);
  });

  it('says there is no valid ticket when the cache holds none', async () => {
    const cache = useCache('destroyed', 'datakit-e2e');
    spawnSync('kdestroy', ['-c', cache]);
    spawnSync('touch', [cache.slice('FILE:'.length)]);
    const error = await failure();
    expect(error.message).toMatch(
      new RegExp(`^No valid Kerberos ticket in ${cache} for the source`),
    );
  });

  it('says the server refused the principal when the ticket is another principal’s', async () => {
    useCache('loader', 'datakit-loader');
    const error = await failure();
    expect(error.message).toMatch(
      /refused the Kerberos principal of the ticket in FILE:.*GSSAPI authentication failed for user "kerberos_reader"/,
    );
  });

  it('blames the network, not Kerberos, when nothing listens', async () => {
    useCache('e2e2', 'datakit-e2e');
    const error = await failure({ ...source, port: 1 });
    expect(error.message).toMatch(/cannot be reached: .*Connection refused/);
  });
});
