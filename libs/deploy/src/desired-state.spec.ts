import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWarehouse, parseLockJson, type Lock } from '@datakit/warehouse';
import { desiredState } from './desired-state.ts';
import {
  SIDECAR_IMAGE,
  exampleState,
  exampleStateWithoutKerberos,
} from './drivers/kubernetes/_fixture-state.ts';

const ROOT = join(import.meta.dirname, '../../..');
const lockFile = join(
  import.meta.dirname,
  'drivers/kubernetes/__fixtures__/analytics/datakits.lock.json',
);
const lock = parseLockJson(readFileSync(lockFile, 'utf8'), lockFile);

describe('desiredState', () => {
  it("refuses an earlier lock (rollback) whose references name a registry none of the warehouse's environments uses", () => {
    const loaded = loadWarehouse(join(ROOT, 'warehouses', 'analytics'));
    const moved: Lock = {
      ...lock,
      datakits: Object.fromEntries(
        Object.entries(lock.datakits).map(([name, entry]) => [
          name,
          { ...entry, reference: entry.reference.replace(/^[^/]+/, 'evil.example') },
        ]),
      ),
    };
    expect(() => desiredState(loaded, 'local', SIDECAR_IMAGE, { lock: moved })).toThrowError(
      /names the registry evil.example, which no environment of .*warehouse.yaml uses/,
    );
    expect(desiredState(loaded, 'local', SIDECAR_IMAGE, { lock }).jobs).toHaveLength(1);
  });

  it('has no sidecar for a warehouse without a kerberos block, and the same jobs', () => {
    const without = exampleStateWithoutKerberos('analytics', 'local');
    expect(without.sidecar).toBeUndefined();
    expect(without.jobs).toEqual(exampleState('analytics', 'local').jobs);
  });

  it('has the Kerberos sidecar of a warehouse with a kerberos block', () => {
    expect(exampleState('analytics', 'local').sidecar).toMatchObject({
      principal: 'datakit-loader@DATAKIT.TEST',
      keytab: 'file:/run/secrets/datakit/datakit-loader.keytab',
    });
  });
});
