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

  it("takes each environment's connections and Kerberos identity (finance: production at the top level, local overriding it)", () => {
    const local = exampleState('finance', 'local');
    const prod = exampleState('finance', 'prod');
    expect(local.jobs[0]!.config.source).toMatchObject({
      host: '127.0.0.1',
      user: 'pagila_reader',
      auth: 'password',
    });
    expect(prod.jobs[0]!.config.source).toMatchObject({
      host: 'pg-prod.corp.example',
      user: 'datakit-loader',
      auth: 'kerberos',
    });
    expect(local.sidecar).toMatchObject({
      principal: 'datakit-loader@DATAKIT.TEST',
      keytab: 'file:/run/secrets/datakit/datakit-loader.keytab',
    });
    expect(prod.sidecar).toMatchObject({
      principal: 'datakit-loader@CORP.EXAMPLE',
      keytab: 'delinea:4711/keytab',
    });
    // Only references into Delinea need it: the local environment runs without the store.
    expect(local.delinea).toBeUndefined();
    expect(local.sidecar?.delinea).toBeUndefined();
    expect(prod.delinea?.baseUrl).toBe('https://secrets.corp.example/SecretServer');
  });

  it("writes the pin's target schema into the job config: the pin's, else the target connection's, else none", () => {
    expect(exampleState('finance', 'local').jobs[0]!.config.targetSchema).toBe('finance');
    expect(exampleState('analytics', 'local').jobs[0]!.config).not.toHaveProperty('targetSchema');
    const loaded = loadWarehouse(join(ROOT, 'warehouses', 'analytics'));
    const pin = loaded.warehouse.datakits['pagila-bronze']!;
    const pinned = {
      ...loaded,
      warehouse: {
        ...loaded.warehouse,
        datakits: { 'pagila-bronze': { ...pin, targetSchema: 'analytics_bronze' } },
      },
    };
    expect(desiredState(pinned, 'prod', SIDECAR_IMAGE, { lock }).jobs[0]!.config.targetSchema).toBe(
      'analytics_bronze',
    );
  });

  it.each(['analytics', 'finance', 'marketing', 'sales'])(
    'deploys the %s warehouse locally with nothing but the local infrastructure',
    (name) => {
      const state = desiredState(loadWarehouse(join(ROOT, 'warehouses', name)), 'local', 'sidecar');
      const text = JSON.stringify([state.jobs.map((j) => j.config), state.sidecar, state.delinea]);
      expect(text).not.toContain('corp.example');
      expect(text).not.toContain('delinea:');
      const hosts = state.jobs.flatMap((j) => [j.config.source.host, j.config.target.host]);
      expect(new Set(hosts)).toSatisfy((set: Set<string>) =>
        [...set].every((h) => h === '127.0.0.1' || h === 'localhost'),
      );
      expect(state.sidecar?.principal).toBe('datakit-loader@DATAKIT.TEST');
    },
  );
});
