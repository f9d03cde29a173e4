import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, RegistryError } from '@datakit/errors';
import type { RegistryClient } from '@datakit/registry';
import { assertDeployImagesMatchLock, type DeployImages } from './check-deploy-images.ts';
import type { PinRegistry } from './pin-registry.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A registry holding images by digest with the given labels. */
function registryWith(images: Record<string, Record<string, string>>): PinRegistry {
  const client = {
    labels: async (_repository: string, reference: string) => {
      const labels = images[reference];
      if (labels === undefined) throw new RegistryError('not found', 'http://x', 404);
      return labels;
    },
  };
  return {
    host: '127.0.0.1:5000',
    client: client as unknown as RegistryClient,
    file: 'warehouse.yaml',
    field: 'environments.local.registry',
  };
}

const stateWith = (parameters: Record<string, unknown>) =>
  ({
    warehouse: 'analytics',
    dir: '/w/analytics',
    environmentName: 'local',
    jobs: [
      {
        datakit: 'pagila-bronze',
        version: '1.1.0',
        digest: digest('a'),
        contractHash: digest('c'),
        config: { parameters },
      },
    ],
  }) as unknown as DeployImages;
const state = stateWith({});

/** The spec label's config schema: `parameters` takes an optional `since` date. */
const spec = JSON.stringify({
  config: {
    type: 'object',
    properties: {
      parameters: {
        type: 'object',
        properties: { since: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\d$' } },
        additionalProperties: false,
      },
    },
  },
});
const labelled = (contractHash: string, version = '1.1.0') => ({
  'dev.datakit.contract.hash': contractHash,
  'org.opencontainers.image.version': version,
  'dev.datakit.spec': spec,
});

describe('assertDeployImagesMatchLock', () => {
  it('passes when the image at the locked digest carries the locked contract hash and version', async () => {
    await expect(
      assertDeployImagesMatchLock(
        state,
        'datakits.lock.json',
        registryWith({ [digest('a')]: labelled(digest('c')) }),
      ),
    ).resolves.toBeUndefined();
  });

  it('refuses an image whose contract hash label differs from the lock, naming the field', async () => {
    const error = await assertDeployImagesMatchLock(
      state,
      'datakits.lock.json',
      registryWith({ [digest('a')]: labelled(digest('d')) }),
    ).catch((e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
    expect((error as ConfigError).message).toBe(
      `datakits.lock.json and warehouse.yaml do not match the images in 127.0.0.1:5000, so nothing was deployed:\n  field "datakits.pagila-bronze.contractHash": is ${digest('c')}, but the image at ${digest('a')} is labelled ${digest('d')}`,
    );
  });

  it('refuses an image labelled with another version', async () => {
    await expect(
      assertDeployImagesMatchLock(
        state,
        'datakits.lock.json',
        registryWith({ [digest('a')]: labelled(digest('c'), '1.2.0') }),
      ),
    ).rejects.toThrowError(
      /field "datakits.pagila-bronze.version": is 1.1.0, but the image at sha256:a{64} is labelled version 1.2.0/,
    );
  });

  it('refuses parameters the config schema of the image does not take, naming the field', async () => {
    const registry = registryWith({ [digest('a')]: labelled(digest('c')) });
    await expect(
      assertDeployImagesMatchLock(
        stateWith({ since: '2024-01-01' }),
        'datakits.lock.json',
        registry,
      ),
    ).resolves.toBeUndefined();
    await expect(
      assertDeployImagesMatchLock(
        stateWith({ sinse: '2024-01-01' }),
        'datakits.lock.json',
        registry,
      ),
    ).rejects.toThrowError(
      '/w/analytics/warehouse.yaml: field "datakits.pagila-bronze.parameters": Unrecognized key: "sinse" (the config schema of pagila-bronze 1.1.0)',
    );
  });

  it('refuses a locked digest the registry does not have', async () => {
    await expect(
      assertDeployImagesMatchLock(state, 'datakits.lock.json', registryWith({})),
    ).rejects.toThrowError(
      /field "datakits.pagila-bronze.digest": sha256:a{64} is not in 127.0.0.1:5000\/pagila-bronze, the registry of environment "local"/,
    );
  });

  it('refuses a sidecar the lock does not pin by digest, and one the registry lacks', async () => {
    const images = { [digest('a')]: labelled(digest('c')), [digest('5')]: {} };
    const withSidecar = (image: string) => ({ ...state, sidecar: { image } }) as DeployImages;
    const pinned = `127.0.0.1:5000/kerberos-sidecar:1.0.4@${digest('5')}`;
    await expect(
      assertDeployImagesMatchLock(withSidecar(pinned), 'datakits.lock.json', registryWith(images)),
    ).resolves.toBeUndefined();
    await expect(
      assertDeployImagesMatchLock(
        withSidecar('127.0.0.1:5000/kerberos-sidecar:1.0.4'),
        'datakits.lock.json',
        registryWith(images),
      ),
    ).rejects.toThrowError(
      'field "sidecar": the lock pins no Kerberos sidecar image (it would run 127.0.0.1:5000/kerberos-sidecar:1.0.4 by tag)',
    );
    await expect(
      assertDeployImagesMatchLock(
        withSidecar(pinned),
        'datakits.lock.json',
        registryWith({ [digest('a')]: labelled(digest('c')) }),
      ),
    ).rejects.toThrowError(
      `field "sidecar.digest": ${digest('5')} is not in 127.0.0.1:5000/kerberos-sidecar, the registry of environment "local"`,
    );
  });
});
