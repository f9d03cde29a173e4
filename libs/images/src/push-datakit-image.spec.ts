import { describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import type { BuiltImage } from './build-datakit-image.ts';
import { pushDatakitImage, type ImageRegistry } from './push-datakit-image.ts';

// The push policy in isolation; the push itself is tested against the real registry in
// images.integration.spec.ts.
const image = (revision: string): BuiltImage =>
  ({
    repository: 'demo',
    tag: '1.0.0',
    digest: 'sha256:1',
    config: { config: { Labels: { 'org.opencontainers.image.revision': revision } } },
  }) as unknown as BuiltImage;

const untouched: ImageRegistry = {
  resolveTag: () => Promise.reject(new Error('the registry must not be asked')),
  blobExists: () => Promise.reject(new Error('unused')),
  mountBlob: () => Promise.reject(new Error('unused')),
  uploadBlob: () => Promise.reject(new Error('unused')),
  putManifest: () => Promise.reject(new Error('unused')),
};

describe('pushDatakitImage', () => {
  it('refuses an image built from uncommitted changes before asking the registry', async () => {
    const push = pushDatakitImage(image('abc123-dirty'), untouched, '127.0.0.1:5000');
    await expect(push).rejects.toBeInstanceOf(ConfigError);
    await expect(push).rejects.toThrow(
      '127.0.0.1:5000/demo:1.0.0 was built from uncommitted changes (revision abc123-dirty)',
    );
  });

  it('pushes a dirty build when asked to', async () => {
    const push = pushDatakitImage(image('abc123-dirty'), untouched, '127.0.0.1:5000', {
      allowDirty: true,
    });
    // It goes on to ask the registry, which this stand-in refuses.
    await expect(push).rejects.toThrow(/registry must not be asked/);
  });
});
