import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { RegistryError } from '@datakit/errors';
import { pushTestDatakitImage } from '@datakit/images/testing';
import { localInfra, repoRoot } from '@datakit/local-infra';
import { createRegistryClient } from '@datakit/registry';
import { loadWarehouse } from '@datakit/warehouse';
import { planPin, writePin } from './pin-datakit.ts';
import type { PinRegistry } from './pin-registry.ts';
import { verifyWarehouse } from './verify-warehouse.ts';

// A pin's parameters against the config schema of its image (the spec label), on the real
// registry: verify reports the field, and deploy refuses before anything is created.
const infra = localInfra();
const client = createRegistryClient({ url: infra.registry.url });
const datakit = `paramtest-${randomBytes(3).toString('hex')}`;
const pushed: string[] = [];
let dir: string;

const config = z.toJSONSchema(
  z.strictObject({
    parameters: z.strictObject({
      since: z.string().regex(/^\d{4}-\d\d-\d\d$/, 'expected a date such as 2024-01-31'),
    }),
  }),
  { io: 'input' },
) as Record<string, unknown>;

function writeWarehouse(parameters: string): void {
  writeFileSync(
    join(dir, 'warehouse.yaml'),
    `apiVersion: datakit.dev/v1
name: params-it
connections:
  dwh:
    kind: postgres
    host: 127.0.0.1
    port: ${infra.postgres.port}
    database: warehouse
    user: warehouse_loader
    password: file:/run/secrets/datakit/warehouse_loader.password
environments:
  local:
    driver: docker
    registry: ${infra.registry.host}
    secretsDir: ${join(repoRoot(), '.infra', 'secrets', 'datakit')}
    hostRoots: [${join(repoRoot(), '.infra')}]
datakits:
  ${datakit}:
    version: 1.0.0
    source: dwh
    target: dwh
    parameters: ${parameters}
`,
  );
}
const registry = (): PinRegistry => ({
  host: infra.registry.host,
  client,
  file: join(dir, 'warehouse.yaml'),
  field: 'environments.local.registry',
});

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'params-it-')), 'params-it');
  mkdirSync(dir);
  pushed.push(
    await pushTestDatakitImage(client, datakit, '1.0.0', { contracts: [], transforms: [], config }),
  );
  writeWarehouse('{since: "2024-01-31"}');
  writePin(await planPin(loadWarehouse(dir), { datakit, requested: '1.0.0' }, registry()));
});

afterAll(async () => {
  for (const digest of pushed) {
    try {
      await client.deleteManifest(datakit, digest);
    } catch (error) {
      if (!(error instanceof RegistryError && error.status === 404)) throw error;
    }
  }
  rmSync(dirname(dir), { recursive: true, force: true });
});

describe("a pin's parameters against its image's config schema", () => {
  it('verify passes parameters that fit', async () => {
    const result = await verifyWarehouse(loadWarehouse(dir), registry(), {
      environment: 'local',
      live: false,
    });
    expect(result.checks.find((c) => c.check === 'parameters')).toMatchObject({ status: 'ok' });
  });

  it('verify names the field of a parameter that does not fit, exit 2', async () => {
    writeWarehouse('{since: "yesterday"}');
    const result = await verifyWarehouse(loadWarehouse(dir), registry(), {
      environment: 'local',
      live: false,
    });
    expect(result.checks.find((c) => c.check === 'parameters')).toMatchObject({
      status: 'failed',
      exitCode: 2,
      message: expect.stringContaining(
        `${join(dir, 'warehouse.yaml')}: field "datakits.${datakit}.parameters.since": Invalid string: must match pattern`,
      ),
    });
  });

  it('deploy and plan refuse it with exit 2 before anything is created', () => {
    writeWarehouse('{since: "2024-01-31", until: "2024-02-01"}');
    for (const command of ['plan', 'deploy']) {
      const run = spawnSync(
        process.execPath,
        [join(repoRoot(), 'tools/cli/bin/run.js'), command, dir],
        { encoding: 'utf8', env: { ...process.env, CI: 'true' } },
      );
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `field "datakits.${datakit}.parameters": Unrecognized key: "until"`,
      );
    }
  });
});
