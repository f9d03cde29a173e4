import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { loadWarehouse, type Lock } from '@datakit/warehouse';
import {
  SIDECAR,
  digest,
  labelsOf,
  registryOf,
  scratchLock,
  scratchWarehouse,
  standInDriver,
  type DriverCalls,
} from './_scratch-warehouse.ts';
import { revisionOf } from './desired-state.ts';
import { historyFile, readHistory, recordDeploy } from './history.ts';
import { deployWarehouse, planDeploy, rollbackWarehouse, runDeployedJob } from './operations.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dirname(dir), { recursive: true, force: true });
});

const v1 = scratchLock('1.0.0', 'a', 'e');
const v2 = scratchLock('1.1.0', 'b', 'e');

/** The scratch warehouse at `lock`, a stand-in driver, and a registry holding `images`. */
function setUp(lock: Lock, images = labelsOf(lock)) {
  const dir = scratchWarehouse(lock);
  dirs.push(dir);
  const calls: DriverCalls = { log: [], applied: [], ran: [] };
  const context = {
    sidecar: SIDECAR,
    registryCredentials: () => Promise.resolve(undefined),
    driverFor: () => standInDriver(calls, 4),
    registry: () => {
      calls.log.push('registry');
      return registryOf(images);
    },
  };
  return { loaded: loadWarehouse(dir), calls, context };
}

describe('planDeploy', () => {
  it('checks the images, reads the plan and checks each added datakit, changing nothing', async () => {
    const { loaded, calls, context } = setUp(v1);
    const plan = await planDeploy(loaded, 'local', { ...context, live: false });
    expect(calls.log).toEqual(['registry', 'plan']);
    expect(plan.changes.map((c) => [c.action, c.datakit, c.to?.version])).toEqual([
      ['add', 'shop-bronze', '1.0.0'],
    ]);
    expect(plan.upgrades).toEqual([
      {
        datakit: 'shop-bronze',
        from: undefined,
        to: '1.0.0',
        impact: undefined,
        live: { status: 'skipped', reason: 'not checked (--no-live)' },
      },
    ]);
  });

  it('refuses an environment the warehouse does not have before it opens the registry', async () => {
    const { loaded, calls, context } = setUp(v1);
    await expect(planDeploy(loaded, 'staging', context)).rejects.toThrowError(
      /has no environment "staging"; it has "local"/,
    );
    expect(calls.log).toEqual([]);
  });
});

describe('deployWarehouse', () => {
  it('refuses images that disagree with the lock before the driver plans or applies anything', async () => {
    const { loaded, calls, context } = setUp(v1, {});
    const error = await deployWarehouse(loaded, 'local', context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      `field "datakits.shop-bronze.digest": ${digest('a')} is not in 127.0.0.1:5000/shop-bronze`,
    );
    expect(calls.log).toEqual(['registry']);
    expect(existsSync(historyFile(loaded.dir, 'local'))).toBe(false);
  });

  it('refuses a lock without the Kerberos sidecar, which would run it by tag', async () => {
    const { loaded, context } = setUp(scratchLock('1.0.0', 'a', undefined));
    await expect(deployWarehouse(loaded, 'local', context)).rejects.toThrowError(
      'field "sidecar": the lock pins no Kerberos sidecar image (it would run 127.0.0.1:5000/kerberos-sidecar:9.9.9 by tag)',
    );
  });

  it('passes the upgrade checks back before it applies, then records the deploy', async () => {
    const { loaded, calls, context } = setUp(v1);
    const progress: string[] = [];
    const { result, upgrades } = await deployWarehouse(loaded, 'local', {
      ...context,
      onUpgrades: (checks) => calls.log.push(`upgrades ${checks.length}`),
      onProgress: (message) => progress.push(message),
    });
    expect(calls.log).toEqual(['registry', 'plan', 'upgrades 1', 'apply']);
    expect(upgrades[0]?.live).toEqual({
      status: 'skipped',
      reason: `the image at ${digest('a')} has no spec label`,
    });
    expect(result.applied).toEqual(['container/shop-bronze']);
    expect(progress).toEqual([`applying ${revisionOf(v1)}`]);
    expect(readHistory(loaded.dir, 'local')).toEqual([
      { lockRevision: revisionOf(v1), deployedAt: expect.any(String), lock: v1 },
    ]);
  });

  it('records nothing on a dry run', async () => {
    const { loaded, context } = setUp(v1);
    const { result } = await deployWarehouse(loaded, 'local', { ...context, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(readHistory(loaded.dir, 'local')).toEqual([]);
  });
});

describe('rollbackWarehouse', () => {
  /** The scratch warehouse at v2, deployed after v1; the registry holds both. */
  function deployedTwice() {
    const setup = setUp(v2, { ...labelsOf(v1), ...labelsOf(v2) });
    for (const lock of [v1, v2]) {
      recordDeploy(setup.loaded.dir, 'local', {
        lockRevision: revisionOf(lock),
        deployedAt: `2030-01-0${lock === v1 ? 1 : 2}T00:00:00.000Z`,
        lock,
      });
    }
    return setup;
  }

  it('deploys the revision before the newest with its own lock, and records it as the newest', async () => {
    const { loaded, calls, context } = deployedTwice();
    const { result, revision } = await rollbackWarehouse(loaded, 'local', context);
    expect(revision).toMatchObject({
      lockRevision: revisionOf(v1),
      deployedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(calls.applied[0]?.jobs.map((job) => [job.version, job.digest])).toEqual([
      ['1.0.0', digest('a')],
    ]);
    expect(result.dryRun).toBe(false);
    const history = readHistory(loaded.dir, 'local');
    expect(history.map((r) => r.lockRevision)).toEqual([
      revisionOf(v1),
      revisionOf(v2),
      revisionOf(v1),
    ]);
    expect(history[2]?.deployedAt).not.toBe('2030-01-01T00:00:00.000Z');
  });

  it('names the revision from the history when its images are gone', async () => {
    const { loaded, context } = deployedTwice();
    await expect(
      rollbackWarehouse(loaded, 'local', { ...context, registry: () => registryOf(labelsOf(v2)) }),
    ).rejects.toThrowError(
      `${loaded.lockFile} (revision ${revisionOf(v1)} from the deploy history) and warehouse.yaml do not match the images in 127.0.0.1:5000`,
    );
  });

  it('records nothing on a dry run', async () => {
    const { loaded, context } = deployedTwice();
    await rollbackWarehouse(loaded, 'local', { ...context, dryRun: true });
    expect(readHistory(loaded.dir, 'local')).toHaveLength(2);
  });

  it('changes nothing when only one lock was deployed (exit 2)', async () => {
    const { loaded, calls, context } = setUp(v1);
    recordDeploy(loaded.dir, 'local', { lockRevision: revisionOf(v1), deployedAt: 'x', lock: v1 });
    await expect(rollbackWarehouse(loaded, 'local', context)).rejects.toThrowError(
      /holds 1 deployed revision: there is nothing to roll back to/,
    );
    expect(calls.log).toEqual([]);
  });
});

describe('runDeployedJob', () => {
  it("runs the datakit through the environment's driver and returns its exit code", async () => {
    const { loaded, calls, context } = setUp(v1);
    const onStdout = (): void => undefined;
    const code = await runDeployedJob(loaded, 'local', 'shop-bronze', {
      ...context,
      ticketTimeoutSeconds: 5,
      onStdout,
    });
    expect(code).toBe(4);
    expect(calls.ran).toMatchObject([
      { datakit: 'shop-bronze', options: { ticketTimeoutSeconds: 5, onStdout } },
    ]);
  });
});
