import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DriftError,
  EnvironmentError,
  ExitCode,
  RegistryError,
} from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import { formatLockJson, loadWarehouse, lockInputsDigest, type Lock } from '@datakit/warehouse';
import type { PinRegistry } from './pin-registry.ts';
import { verifyError, verifyWarehouse, type VerifyResult } from './verify-warehouse.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A registry with one image per tag; `labels` gives each digest's contract hash. */
function fakeRegistry(tags: Record<string, string>, hashes: Record<string, string>): PinRegistry {
  const client = {
    tags: async () => Object.keys(tags),
    resolveTag: async (_repository: string, tag: string) => tags[tag],
    labels: async (_repository: string, reference: string) => {
      if (!(reference in hashes)) throw new RegistryError('not found', 'http://x', 404);
      return { 'dev.datakit.contract.hash': hashes[reference]! };
    },
  };
  return {
    host: '127.0.0.1:5000',
    client: client as unknown as RegistryClient,
    file: 'warehouse.yaml',
    field: 'environments.local.registry',
  };
}

let dir: string;
beforeEach(() => {
  // The folder is named as the warehouse: a warehouse's name must be its folder's.
  dir = join(mkdtempSync(join(tmpdir(), 'pins-verify-')), 'pins-test');
  cpSync(join(import.meta.dirname, '__fixtures__', 'two-pins'), dir, { recursive: true });
  const { warehouse } = loadWarehouse(dir);
  const entry = (name: string, version: string, c: string) => ({
    requested: warehouse.datakits[name]!.version,
    version,
    reference: `127.0.0.1:5000/${name}:${version}@${digest(c)}`,
    digest: digest(c),
    contractHash: digest('c'),
  });
  const lock: Lock = {
    lockVersion: 1,
    warehouse: 'pins-test',
    inputsDigest: lockInputsDigest(warehouse),
    datakits: { alpha: entry('alpha', '1.0.0', '1'), beta: entry('beta', '2.0.0', '2') },
    // The fixture has a kerberos block: its sidecar is locked by digest too.
    sidecar: {
      version: '1.0.1',
      reference: `127.0.0.1:5000/kerberos-sidecar:1.0.1@${digest('5')}`,
      digest: digest('5'),
    },
  };
  writeFileSync(join(dir, 'datakits.lock.json'), formatLockJson(lock));
});
afterEach(() => rmSync(dirname(dir), { recursive: true, force: true }));

const options = { environment: 'local', live: false };

/** Both datakits' images at their locked digests, and no sidecar image. */
const registryWithoutSidecar = () =>
  fakeRegistry(
    { '1.0.0': digest('1'), '2.0.0': digest('2') },
    { [digest('1')]: digest('c'), [digest('2')]: digest('c') },
  );

describe('verifyWarehouse without the live tables', () => {
  it('passes a lock whose tags point at the locked digests and contract hashes', async () => {
    const registry = fakeRegistry(
      { '1.0.0': digest('1'), '2.0.0': digest('2') },
      { [digest('1')]: digest('c'), [digest('2')]: digest('c'), [digest('5')]: '' },
    );
    const result = await verifyWarehouse(loadWarehouse(dir), registry, options);
    expect(result.ok).toBe(true);
    expect(result.checks.filter((c) => c.status === 'skipped')).toHaveLength(2);
    expect(result.checks.find((c) => c.check === 'sidecar')).toMatchObject({ status: 'ok' });
  });

  it('fails a lock that pins no sidecar for a warehouse with Kerberos, exit 2', async () => {
    const file = join(dir, 'datakits.lock.json');
    const lock = JSON.parse(readFileSync(file, 'utf8')) as Lock;
    delete lock.sidecar;
    writeFileSync(file, formatLockJson(lock));
    const registry = registryWithoutSidecar();
    const result = await verifyWarehouse(loadWarehouse(dir), registry, options);
    expect(result.checks.find((c) => c.check === 'sidecar')).toMatchObject({
      status: 'failed',
      exitCode: ExitCode.Config,
      message: expect.stringContaining('field "sidecar" is missing'),
    });
  });

  it('fails a locked sidecar digest the registry does not have, exit 2', async () => {
    const registry = registryWithoutSidecar();
    const result = await verifyWarehouse(loadWarehouse(dir), registry, options);
    expect(result.checks.find((c) => c.check === 'sidecar')).toMatchObject({
      status: 'failed',
      exitCode: ExitCode.Config,
      message: `${join(dir, 'datakits.lock.json')}: field "sidecar.digest" is ${digest('5')}, which 127.0.0.1:5000/kerberos-sidecar does not have.`,
    });
  });

  it('fails a moved tag, a changed contract hash and a missing image, exit 2', async () => {
    const registry = fakeRegistry(
      { '1.0.0': digest('9'), '2.0.0': digest('2') },
      { [digest('1')]: digest('d'), [digest('5')]: '' },
    );
    const result = await verifyWarehouse(loadWarehouse(dir), registry, options);
    expect(
      result.checks.filter((c) => c.status === 'failed').map((c) => [c.datakit, c.check]),
    ).toEqual([
      ['alpha', 'registry'],
      ['alpha', 'contract-hash'],
      ['beta', 'registry'],
    ]);
    const beta = result.checks.find((c) => c.datakit === 'beta')!;
    expect(beta.message).toBe(
      `${join(dir, 'datakits.lock.json')}: field "datakits.beta.digest" is ${digest('2')}, which 127.0.0.1:5000/beta does not have; the versions that exist are 2.0.0, 1.0.0.`,
    );
    const error = verifyError([result]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message.split('\n')[0]).toBe('3 verifications failed:');
  });

  it('fails a lock out of sync with warehouse.yaml', async () => {
    writeFileSync(
      join(dir, 'warehouse.yaml'),
      readFileSync(join(dir, 'warehouse.yaml'), 'utf8').replace('~2.0.0', '^2.0.0'),
    );
    const registry = registryWithoutSidecar();
    const result = await verifyWarehouse(loadWarehouse(dir), registry, options);
    expect(result.checks[0]).toMatchObject({ check: 'lock', status: 'failed', exitCode: 2 });
    expect(result.checks[0]!.message).toContain('is out of sync with');
  });
});

describe('verifyError', () => {
  const result = (...codes: ExitCode[]): VerifyResult => ({
    warehouse: 'w',
    environment: 'local',
    ok: codes.length === 0,
    checks: codes.map((exitCode) => ({
      datakit: 'd',
      check: 'live-tables',
      status: 'failed',
      exitCode,
      message: 'm',
    })),
  });

  it('is undefined when nothing failed', () => {
    expect(verifyError([result()])).toBeUndefined();
  });

  it('prefers exit 2 over 3 over 5', () => {
    expect(
      verifyError([result(ExitCode.Environment, ExitCode.Drift, ExitCode.Config)]),
    ).toBeInstanceOf(ConfigError);
    expect(verifyError([result(ExitCode.Environment), result(ExitCode.Drift)])).toBeInstanceOf(
      DriftError,
    );
    expect(verifyError([result(ExitCode.Environment)])).toBeInstanceOf(EnvironmentError);
  });

  it('reports a warehouse folder that did not load with exit 2, next to the ones that did', () => {
    const unloaded: VerifyResult = {
      warehouse: 'broken',
      environment: 'local',
      ok: false,
      checks: [
        {
          datakit: null,
          check: 'load',
          status: 'failed',
          exitCode: ExitCode.Config,
          message: 'warehouses/broken/warehouse.yaml is a folder, not a file.',
        },
      ],
    };
    const error = verifyError([unloaded, result()]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      '1 verification failed:\n  broken (load): warehouses/broken/warehouse.yaml is a folder, not a file.',
    );
    expect(error?.hint).toBe('Correct each file named above; every other warehouse was verified.');
  });
});
