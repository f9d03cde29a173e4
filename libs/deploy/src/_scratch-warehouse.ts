// For tests only: a warehouse folder in a temporary directory, with a lock in sync with its pins,
// and stand-ins for the registry and the driver, so the deploy composition runs without Docker.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '@datakit/errors';
import type { PinRegistry } from '@datakit/pins';
import { lockInputsDigest, parseWarehouseYaml, type Lock } from '@datakit/warehouse';
import type { DesiredState } from './desired-state.ts';
import type { ApplyResult, DeployDriver, RunJobOptions } from './driver.ts';
import { planChanges } from './plan.ts';

/** A made-up digest: `c` (one hex character) 64 times. */
export const digest = (c: string): string => `sha256:${c.repeat(64)}`;

/** The sidecar the scratch warehouse's context names (this repository's, in the CLI). */
export const SIDECAR = { repository: 'kerberos-sidecar', version: '9.9.9' };

const WAREHOUSE_YAML = `apiVersion: datakit.dev/v1
name: scratch
connections:
  shop:
    kind: postgres
    host: 127.0.0.1
    database: shop
    user: shop_reader
    password: file:/run/secrets/datakit/shop_reader.password
  dwh:
    kind: postgres
    host: 127.0.0.1
    database: warehouse
    user: warehouse_loader
    password: file:/run/secrets/datakit/warehouse_loader.password
kerberos:
  principal: datakit-loader@DATAKIT.TEST
  keytab: file:/run/secrets/datakit/datakit-loader.keytab
environments:
  local:
    driver: docker
    registry: 127.0.0.1:5000
    network: host
datakits:
  shop-bronze:
    version: ^1.0.0
    source: shop
    target: dwh
`;

/**
 * A lock of the scratch warehouse: shop-bronze at `version`. `image` and `sidecar` are one hex
 * character each, repeated into their digests; without `sidecar` the lock pins no sidecar.
 */
export function scratchLock(version: string, image: string, sidecar: string | undefined): Lock {
  const warehouse = parseWarehouseYaml(WAREHOUSE_YAML, 'warehouse.yaml');
  return {
    lockVersion: 1,
    warehouse: 'scratch',
    inputsDigest: lockInputsDigest(warehouse),
    datakits: {
      'shop-bronze': {
        requested: '^1.0.0',
        version,
        reference: `127.0.0.1:5000/shop-bronze:${version}@${digest(image)}`,
        digest: digest(image),
        contractHash: digest('c'),
      },
    },
    ...(sidecar === undefined
      ? {}
      : {
          sidecar: {
            version: SIDECAR.version,
            reference: `127.0.0.1:5000/kerberos-sidecar:${SIDECAR.version}@${digest(sidecar)}`,
            digest: digest(sidecar),
          },
        }),
  };
}

/** A scratch warehouse folder (`<tmp>/scratch`) with `lock` as its datakits.lock.json. */
export function scratchWarehouse(lock: Lock | undefined): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'datakit-deploy-')), 'scratch');
  mkdirSync(dir);
  writeFileSync(join(dir, 'warehouse.yaml'), WAREHOUSE_YAML);
  if (lock !== undefined) {
    writeFileSync(join(dir, 'datakits.lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  }
  return dir;
}

/** A registry holding `images` (their labels by digest); any other image is not there (404). */
export function registryOf(images: Record<string, Record<string, string>>): PinRegistry {
  const client = {
    labels: (_repository: string, reference: string) => {
      const labels = images[reference];
      if (labels === undefined) {
        return Promise.reject(new RegistryError('manifest unknown', 'http://x', 404));
      }
      return Promise.resolve(labels);
    },
  };
  return {
    host: '127.0.0.1:5000',
    client: client as unknown as PinRegistry['client'],
    file: 'warehouse.yaml',
    field: 'environments.local.registry',
  };
}

/** The labels of the datakit images and the sidecar of a lock, by digest. */
export function labelsOf(lock: Lock): Record<string, Record<string, string>> {
  const images: Record<string, Record<string, string>> = {};
  for (const entry of Object.values(lock.datakits)) {
    images[entry.digest] = {
      'dev.datakit.contract.hash': entry.contractHash,
      'org.opencontainers.image.version': entry.version,
    };
  }
  if (lock.sidecar !== undefined) images[lock.sidecar.digest] = {};
  return images;
}

/** What a stand-in driver was asked to do, in order. */
export interface DriverCalls {
  log: string[];
  applied: DesiredState[];
  ran: { datakit: string; options: RunJobOptions | undefined }[];
}

/** A driver with nothing running: every job is added; runJob exits with `exitCode`. */
export function standInDriver(calls: DriverCalls, exitCode = 0): DeployDriver {
  return {
    plan: (state) => {
      calls.log.push('plan');
      return Promise.resolve(planChanges(state, [], () => ''));
    },
    apply: (state, options) => {
      calls.log.push('apply');
      calls.applied.push(state);
      options?.onProgress?.(`applying ${state.lockRevision}`);
      const result: ApplyResult = {
        plan: planChanges(state, [], () => ''),
        applied: options?.dryRun ? [] : state.jobs.map((job) => `container/${job.datakit}`),
        dryRun: options?.dryRun === true,
      };
      return Promise.resolve(result);
    },
    status: () => Promise.reject(new Error('not used')),
    logs: () => Promise.reject(new Error('not used')),
    runJob: (_state, datakit, options) => {
      calls.ran.push({ datakit, options });
      return Promise.resolve(exitCode);
    },
  };
}
