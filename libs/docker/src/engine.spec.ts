import { describe, expect, it } from 'vitest';
import { dockerSocketPath, specHash } from './engine.ts';

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

describe('specHash of a hardened container', () => {
  const spec = { image: 'x' };
  const hardening = {
    readOnlyRootFilesystem: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    memoryBytes: 2 ** 30,
    pidsLimit: 256,
    restartPolicy: 'no' as const,
  };

  it('is unchanged for a container without hardening', () => {
    expect(specHash({ ...spec, hardening: undefined }, 'sha256:1')).toBe(
      specHash(spec, 'sha256:1'),
    );
  });

  it('changes when the hardening or a limit changes, so deploy recreates the container', () => {
    const hardened = specHash({ ...spec, hardening }, 'sha256:1');
    expect(hardened).not.toBe(specHash(spec, 'sha256:1'));
    expect(specHash({ ...spec, hardening: { ...hardening, pidsLimit: 512 } }, 'sha256:1')).not.toBe(
      hardened,
    );
  });
});

describe('dockerSocketPath', () => {
  it("takes an environment's unix:// dockerHost first, then DOCKER_HOST's socket, then the default", () => {
    const env = { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' };
    expect(dockerSocketPath('unix:///srv/engine.sock', env)).toBe('/srv/engine.sock');
    expect(dockerSocketPath(undefined, env)).toBe('/run/user/1000/docker.sock');
    expect(dockerSocketPath(undefined, {})).toBe('/var/run/docker.sock');
  });

  it('passes over a DOCKER_HOST that is no unix socket (the driver refuses it elsewhere)', () => {
    expect(dockerSocketPath(undefined, { DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toBe(
      '/var/run/docker.sock',
    );
  });
});
