import { describe, expect, it } from 'vitest';
import { specHash } from './engine.ts';

describe('specHash', () => {
  const spec = { image: 'x', binds: ['vol:/data:ro'] };

  it('is unchanged for a container without mounts, so existing containers are not recreated', () => {
    expect(specHash({ ...spec, mounts: undefined }, 'sha256:1')).toBe(specHash(spec, 'sha256:1'));
  });

  it('changes when a bind mount is added or becomes writable', () => {
    const mount = { source: '/srv/a', target: '/run/secrets/datakit/a', readOnly: true };
    const withMount = specHash({ ...spec, mounts: [mount] }, 'sha256:1');
    expect(withMount).not.toBe(specHash(spec, 'sha256:1'));
    expect(specHash({ ...spec, mounts: [{ ...mount, readOnly: false }] }, 'sha256:1')).not.toBe(
      withMount,
    );
  });
});
