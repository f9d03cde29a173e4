import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWarehouse, parseLockJson, parseWarehouseYaml } from '@datakit/warehouse';
import { desiredState, type DesiredState } from '../../desired-state.ts';

/** The example warehouses whose prod manifests are golden files. */
export const EXAMPLE_WAREHOUSES = ['analytics', 'finance', 'marketing'] as const;

/** A made-up sidecar image by digest, the same in every test. */
export const SIDECAR_IMAGE =
  'registry.corp.example/kerberos-sidecar@sha256:5c1de0b6f2a7c3e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c';

const ROOT = join(import.meta.dirname, '../../../../..');

/**
 * The desired state of an example warehouse (warehouses/<name>/warehouse.yaml) with the lock
 * fixture of this folder (made-up digests), for tests only.
 */
export function exampleState(name: string, environment = 'prod'): DesiredState {
  const loaded = loadWarehouse(join(ROOT, 'warehouses', name));
  const lockFile = join(import.meta.dirname, '__fixtures__', name, 'datakits.lock.json');
  const lock = parseLockJson(readFileSync(lockFile, 'utf8'), lockFile);
  return desiredState({ ...loaded, lockFile, lock }, environment, SIDECAR_IMAGE);
}

/**
 * An example warehouse whose connections all log in with passwords (analytics, marketing),
 * with its kerberos block taken out: a warehouse that runs no sidecar. For tests only.
 */
export function exampleStateWithoutKerberos(name: string, environment = 'prod'): DesiredState {
  const loaded = loadWarehouse(join(ROOT, 'warehouses', name));
  const text = readFileSync(loaded.file, 'utf8')
    .replace(/^kerberos:\n(?: {2}.*\n)+/m, '')
    // An environment's kerberos overrides go with the block they override.
    .replaceAll(/^ {4}kerberos:\n(?: {6}.*\n)+/gm, '');
  const warehouse = parseWarehouseYaml(text, loaded.file);
  const lockFile = join(import.meta.dirname, '__fixtures__', name, 'datakits.lock.json');
  const lock = parseLockJson(readFileSync(lockFile, 'utf8'), lockFile);
  return desiredState({ ...loaded, warehouse, lockFile, lock }, environment, SIDECAR_IMAGE);
}
