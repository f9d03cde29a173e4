import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '@datakit/docker';
import { DockerError } from '@datakit/errors';
import { localInfra } from '@datakit/local-infra';
import { copyImage, createRegistryClient } from '@datakit/registry';

// What `deploy` needs from a private registry, on the real engine: dockerd pulls from the TLS
// + htpasswd registry on 127.0.0.1:5001 with credentials given for that one pull. infra:up puts
// the local CA where dockerd looks for it (/etc/docker/certs.d/127.0.0.1:5001/ca.crt), but
// dockerd counts 127.0.0.0/8 as an insecure registry and does not verify certificates there,
// so this test does not prove the CA is trusted (it passes without the file).
const infra = localInfra();
const basic = infra.authRegistries.basic;
const password = basic.password('datakit');
const source = createRegistryClient({ url: infra.registry.url });
const target = createRegistryClient({
  url: basic.url,
  ca: readFileSync(basic.caFile),
  auth: { username: 'datakit', password },
});
const engine = new DockerEngine();
const repository = `test/engine-pull-${randomBytes(3).toString('hex')}`;
let ref: string;
let digest: string;

beforeAll(async () => {
  // The sidecar image the integration setup pushed: small, and a real image dockerd can unpack.
  const [tag] = await source.tags('kerberos-sidecar');
  const copied = await copyImage(
    { client: source, repo: 'kerberos-sidecar', ref: tag ?? '' },
    { client: target, repo: repository, tag: tag ?? '' },
  );
  digest = copied.digest;
  ref = `${basic.host}/${repository}@${digest}`;
});

afterAll(async () => {
  await engine.removeImage(ref, true).catch(() => undefined);
  await target.deleteManifest(repository, digest).catch(() => undefined);
});

async function refusal(promise: Promise<unknown>): Promise<DockerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof DockerError) return error;
  throw new Error(`expected a DockerError, got ${String(error)}`);
}

describe('the Docker engine pulling from the TLS + htpasswd registry', () => {
  it('is refused without credentials', async () => {
    const error = await refusal(engine.pullImage(ref));
    expect(error.message).toMatch(
      /^Pulling 127\.0\.0\.1:5001\/.* failed: .*(no basic auth credentials|unauthorized)/,
    );
    expect(await engine.imageInfo(ref)).toBeUndefined();
  });

  it('is refused with a wrong password, which the error does not carry', async () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const error = await refusal(
      engine.pullImage(ref, undefined, { username: 'datakit', password: wrong }),
    );
    expect(error.message).toMatch(/unauthorized/i);
    const shown = [
      error.message,
      error.hint ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 6 }),
    ];
    for (const text of shown) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(
        Buffer.from(JSON.stringify({ password: wrong })).toString('base64'),
      );
    }
  });

  it('pulls with the credentials given for the pull', async () => {
    await engine.pullImage(ref, undefined, { username: 'datakit', password });
    expect(await engine.imageInfo(ref)).toBeDefined();
  });
});
