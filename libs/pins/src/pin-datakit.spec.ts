import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, EnvironmentError, ExitCode, RegistryError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import { assertLockInSync, formatLockJson, loadWarehouse, type Lock } from '@datakit/warehouse';
import { planPin, planRelock, writePin } from './pin-datakit.ts';
import type { PinRegistry } from './pin-registry.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** An in-memory registry: repository → tag → digest; every image labelled with a contract hash. */
function fakeRegistry(images: Record<string, Record<string, string>>, down = false): PinRegistry {
  const unreachable = () =>
    new RegistryError(
      'Cannot reach registry at http://127.0.0.1:5000 (connection refused) for GET /v2/.',
      'http://127.0.0.1:5000/v2/',
    );
  const client = {
    tags: async (repository: string) => {
      if (down) throw unreachable();
      const tags = images[repository];
      if (tags === undefined) {
        throw new RegistryError('not found', 'http://x', 404);
      }
      return Object.keys(tags);
    },
    resolveTag: async (repository: string, tag: string) => images[repository]?.[tag],
    labels: async (_repository: string, reference: string) => ({
      'dev.datakit.contract.hash': `sha256:${reference.slice(-64, -1)}c`,
    }),
  };
  return {
    host: '127.0.0.1:5000',
    client: client as unknown as RegistryClient,
    file: 'warehouse.yaml',
    field: 'environments.local.registry',
  };
}

const images = {
  alpha: { '1.0.0': digest('1'), '1.1.0': digest('2'), '2.0.0': digest('3') },
  beta: { '2.0.0': digest('4'), '2.0.1': digest('5') },
};
const registry = fakeRegistry(images);

let dir: string;
beforeEach(() => {
  // The folder is named as the warehouse: a warehouse's name must be its folder's.
  dir = join(mkdtempSync(join(tmpdir(), 'pins-')), 'pins-test');
  cpSync(join(import.meta.dirname, '__fixtures__', 'two-pins'), dir, { recursive: true });
});
afterEach(() => rmSync(dirname(dir), { recursive: true, force: true }));

const errorOf = async (promise: Promise<unknown>): Promise<Error & { exitCode: number }> => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { exitCode: number };
  }
  throw new Error('expected an error');
};

describe('planPin', () => {
  it('resolves the requested pin and every pin the lock lacks into a lock in sync', async () => {
    const plan = await planPin(
      loadWarehouse(dir),
      { datakit: 'alpha', requested: '~1.0.0' },
      registry,
    );
    expect(plan.changes.map((c) => [c.datakit, c.action, c.to.version])).toEqual([
      ['alpha', 'added', '1.0.0'],
      ['beta', 'added', '2.0.1'],
    ]);
    expect(plan.lock.datakits.beta).toEqual({
      requested: '~2.0.0',
      version: '2.0.1',
      reference: `127.0.0.1:5000/beta:2.0.1@${digest('5')}`,
      digest: digest('5'),
      contractHash: `sha256:${'5'.repeat(63)}c`,
    });
    expect(plan.lock.$schema).toBe('../../libs/warehouse/schema/lock.schema.json');
    expect(existsSync(join(dir, 'datakits.lock.json'))).toBe(false);

    writePin(plan);
    const loaded = loadWarehouse(dir);
    expect(() => assertLockInSync(loaded)).not.toThrow();
    expect(loaded.warehouse.datakits.alpha?.version).toBe('~1.0.0');
    // Comments and the other lines of warehouse.yaml are kept.
    expect(readFileSync(join(dir, 'warehouse.yaml'), 'utf8')).toContain(
      "    version: ~1.0.0 # the team's favourite\n    schedule: '0 3 * * *'",
    );
  });

  it('keeps other pins as locked and changes nothing when pinned again', async () => {
    writePin(
      await planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '^1.0.0' }, registry),
    );
    const lockBefore = readFileSync(join(dir, 'datakits.lock.json'), 'utf8');
    const newer = fakeRegistry({
      alpha: { '1.0.0': digest('1'), '1.1.0': digest('2'), '1.2.0': digest('6') },
      beta: { '2.0.0': digest('4'), '2.0.1': digest('5'), '2.0.2': digest('7') },
    });
    const again = await planPin(
      loadWarehouse(dir),
      { datakit: 'alpha', requested: '^1.0.0' },
      registry,
    );
    expect(again.lockChanged || again.warehouseChanged).toBe(false);
    const update = await planPin(
      loadWarehouse(dir),
      { datakit: 'alpha', requested: '^1.0.0' },
      newer,
    );
    expect(update.changes.map((c) => [c.datakit, c.action, c.from?.version, c.to.version])).toEqual(
      [
        ['alpha', 'changed', '1.1.0', '1.2.0'],
        ['beta', 'unchanged', '2.0.1', '2.0.1'],
      ],
    );
    expect(update.warehouseChanged).toBe(false);
    expect(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')).toBe(lockBefore);
  });

  it('refuses a tag that now points at another digest and writes nothing', async () => {
    writePin(await planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '1.1.0' }, registry));
    const before = readFileSync(join(dir, 'datakits.lock.json'), 'utf8');
    const moved = fakeRegistry({
      alpha: { '1.0.0': digest('1'), '1.1.0': digest('9') },
      beta: { '2.0.1': digest('5') },
    });
    const error = await errorOf(
      planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '1.1.0' }, moved),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `${join(dir, 'datakits.lock.json')}: field "datakits.alpha.digest" is ${digest('2')}, but tag 1.1.0 of alpha now points at ${digest('9')}: the tag was pushed again over another image. It is not followed and nothing was written.`,
    );
    expect(readFileSync(join(dir, 'datakits.lock.json'), 'utf8')).toBe(before);
  });

  it('relocks every pin for another registry, taking tags that point elsewhere there', async () => {
    writePin(await planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '1.1.0' }, registry));
    const warehouseBefore = readFileSync(join(dir, 'warehouse.yaml'), 'utf8');
    const elsewhere = fakeRegistry({
      alpha: { '1.0.0': digest('1'), '1.1.0': digest('9') },
      beta: { '2.0.1': digest('8') },
    });
    const relock = await planRelock(loadWarehouse(dir), elsewhere);
    expect(relock.changes.map((c) => [c.datakit, c.action, c.to.version, c.to.digest])).toEqual([
      ['alpha', 'changed', '1.1.0', digest('9')],
      ['beta', 'changed', '2.0.1', digest('8')],
    ]);
    expect(relock.warehouseChanged).toBe(false);
    writePin(relock);
    expect(() => assertLockInSync(loadWarehouse(dir))).not.toThrow();
    expect(readFileSync(join(dir, 'warehouse.yaml'), 'utf8')).toBe(warehouseBefore);
  });

  it('lists the versions that exist when the requested one does not, exit 2', async () => {
    const error = await errorOf(
      planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '^3.0.0' }, registry),
    );
    expect(error.exitCode).toBe(ExitCode.Config);
    expect(error.message).toBe(
      `${join(dir, 'warehouse.yaml')}: field "datakits.alpha.version" asks for "^3.0.0", but no version of alpha in the registry 127.0.0.1:5000 satisfies it; the versions that exist are 2.0.0, 1.1.0, 1.0.0. Nothing was written.`,
    );
    expect(existsSync(join(dir, 'datakits.lock.json'))).toBe(false);
  });

  it('adds a datakit the warehouse does not pin yet, its connections inferred from the others', async () => {
    const plan = await planPin(
      loadWarehouse(dir),
      { datakit: 'gamma', requested: '^1.0.0' },
      fakeRegistry({ ...images, gamma: { '1.0.0': digest('6') } }),
    );
    expect(plan.warehouseText).toContain(
      '    source: src\n    target: dwh\n  gamma:\n    version: ^1.0.0\n    source: src\n    target: dwh\n',
    );
    expect(plan.changes.find((c) => c.datakit === 'gamma')).toMatchObject({
      action: 'added',
      to: { version: '1.0.0', digest: digest('6') },
    });
    writePin(plan);
    expect(loadWarehouse(dir).warehouse.datakits.gamma).toMatchObject({ source: 'src' });
    expect(() => assertLockInSync(loadWarehouse(dir))).not.toThrow();
  });

  it('asks for the connections of a new datakit when they cannot be inferred, exit 2', async () => {
    const yaml = join(dir, 'warehouse.yaml');
    // Pins write to two connections and a third is no pin's: the target cannot be told.
    const lake = `  lake:\n    kind: postgres\n    host: 127.0.0.1\n    database: lake\n    user: u\n    password: file:/run/secrets/datakit/u.password\n`;
    writeFileSync(
      yaml,
      readFileSync(yaml, 'utf8')
        .replace('    target: dwh\n  beta:', '    target: src\n  beta:')
        .replace('kerberos:', `${lake}kerberos:`),
    );
    const error = await errorOf(
      planPin(loadWarehouse(dir), { datakit: 'gamma', requested: '1.0.0' }, registry),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `${yaml}: field "datakits" has no datakit "gamma" yet, and its target connection cannot be inferred (connections: src, dwh, lake). Nothing was written.`,
    );
    const named = await errorOf(
      planPin(loadWarehouse(dir), { datakit: 'gamma', requested: '1.0.0' }, registry, {
        source: 'nope',
      }),
    );
    expect(named.message).toContain(
      'field "connections" has no connection "nope" to use as the source',
    );
  });

  it('turns an unreachable registry into an environment error naming the field, exit 5', async () => {
    const error = await errorOf(
      planPin(loadWarehouse(dir), { datakit: 'alpha', requested: '1.0.0' }, fakeRegistry({}, true)),
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.exitCode).toBe(ExitCode.Environment);
    expect(error.message).toContain('field "environments.local.registry" (127.0.0.1:5000)');
  });

  it('keeps the $schema an existing lock has', async () => {
    const lock: Lock = {
      $schema: 'custom.json',
      lockVersion: 1,
      warehouse: 'pins-test',
      inputsDigest: digest('0'),
      datakits: {},
    };
    writeFileSync(join(dir, 'datakits.lock.json'), formatLockJson(lock));
    const plan = await planPin(
      loadWarehouse(dir),
      { datakit: 'beta', requested: '2.0.0' },
      registry,
    );
    expect(plan.lock.$schema).toBe('custom.json');
  });
});
