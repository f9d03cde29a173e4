import { lockInputsDigest, parseLockJson, parseWarehouseYaml } from '@datakit/warehouse';
import { describe, expect, it } from 'vitest';

import { repositoryTree } from '../_testing.ts';
import { warehouseGenerator } from './generator.ts';

describe('datakit new warehouse', () => {
  it('writes a valid warehouse for the local environment with one pin, and a lock in sync with it', async () => {
    const tree = repositoryTree();
    await warehouseGenerator(tree, {
      name: 'shop',
      sourceDatabase: 'shop',
      datakit: 'pagila-bronze',
      skipInstall: true,
    });
    const warehouse = parseWarehouseYaml(
      tree.read('warehouses/shop/warehouse.yaml', 'utf8')!,
      'warehouse.yaml',
    );
    const lock = parseLockJson(
      tree.read('warehouses/shop/datakits.lock.json', 'utf8')!,
      'datakits.lock.json',
    );
    expect([
      warehouse.connections['source'],
      Object.keys(warehouse.environments),
      warehouse.datakits['pagila-bronze']?.version,
      lock.inputsDigest,
    ]).toEqual([
      expect.objectContaining({ database: 'shop', user: 'shop_reader', schema: 'public' }),
      ['local'],
      '^1.0.0',
      lockInputsDigest(warehouse),
    ]);
  });

  it('pins a datakit below 1.0.0 by its minor version, which a caret range needs to match it', async () => {
    const tree = repositoryTree();
    await warehouseGenerator(tree, {
      name: 'shop',
      sourceDatabase: 'shop',
      datakit: 'hello',
      skipInstall: true,
    });
    const warehouse = parseWarehouseYaml(
      tree.read('warehouses/shop/warehouse.yaml', 'utf8')!,
      'warehouse.yaml',
    );
    expect(warehouse.datakits['hello']?.version).toBe('^0.3.0');
  });

  it('changes nothing when run twice', async () => {
    const tree = repositoryTree();
    const options = { name: 'shop', sourceDatabase: 'shop', skipInstall: true };
    await warehouseGenerator(tree, options);
    const before = new Map(tree.listChanges().map((c) => [c.path, c.content?.toString()]));
    await warehouseGenerator(tree, options);
    expect(tree.listChanges().filter((c) => before.get(c.path) !== c.content?.toString())).toEqual(
      [],
    );
  });

  it('refuses to pin a package that builds no image', async () => {
    await expect(
      warehouseGenerator(repositoryTree(), {
        name: 'shop',
        sourceDatabase: 'shop',
        datakit: 'pagila-source',
      }),
    ).rejects.toThrow('pagila-source builds no image');
  });
});
