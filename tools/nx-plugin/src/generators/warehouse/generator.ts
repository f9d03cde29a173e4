import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigError } from '@datakit/errors';
import { formatLockJson, lockInputsDigest, parseWarehouseYaml } from '@datakit/warehouse';
import {
  generateFiles,
  offsetFromRoot,
  workspaceRoot,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';

import { formatAndLink } from '../_link-package.ts';

/** Options of the `warehouse` generator (schema.json). */
export interface WarehouseGeneratorOptions {
  /** Warehouse name and folder: `warehouses/<name>`. */
  name: string;
  /** Database of the local PostgreSQL the datakits read (connection `source`). */
  sourceDatabase: string;
  /** Its read-only role (default `<database>_reader`). */
  sourceUser?: string;
  /** Its schema (default `public`). */
  sourceSchema?: string;
  /** A datakit of datakits/ to pin (its major version, or minor below 1.0.0; from source to dwh, merged). */
  datakit?: string;
  /** Only link the package (symlink), do not run npm install. */
  skipInstall?: boolean;
}

/**
 * Writes a warehouse for the local environment: warehouse.yaml with a `source` connection to a
 * database of the local PostgreSQL and the local `warehouse` database as `dwh` (secrets as files
 * of `.infra/secrets/datakit`), the local Docker environment, optionally one pinned datakit,
 * and a lock in sync with the pins whose entries `datakit pin <name> --relock` resolves.
 */
export async function warehouseGenerator(
  tree: Tree,
  options: WarehouseGeneratorOptions,
): Promise<GeneratorCallback> {
  const projectRoot = join('warehouses', options.name);
  let datakitVersion = '';
  if (options.datakit !== undefined) {
    const manifest = join(workspaceRoot, 'datakits', options.datakit, 'package.json');
    if (!existsSync(manifest)) {
      throw new ConfigError(`No datakit "${options.datakit}": ${manifest} does not exist.`);
    }
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      version: string;
      datakit?: unknown;
    };
    if (pkg.datakit === undefined) {
      throw new ConfigError(
        `${options.datakit} builds no image (its package.json has no "datakit" field): only datakits with an image can be pinned.`,
      );
    }
    // Its major version; below 1.0.0 a caret range stops at the next minor (^0.1.0 is
    // >=0.1.0 <0.2.0), so a new datakit at 0.1.0 is pinned as ^0.1.0, not ^0.0.0.
    const [major = '0', minor = '0'] = pkg.version.split('.');
    datakitVersion = major === '0' ? `0.${minor}.0` : `${major}.0.0`;
  }
  generateFiles(tree, join(import.meta.dirname, 'files'), projectRoot, {
    tmpl: '',
    name: options.name,
    description: `Reads ${options.sourceDatabase} on the local PostgreSQL into the local warehouse database.`,
    offset: offsetFromRoot(projectRoot),
    sourceDatabase: options.sourceDatabase,
    sourceUser: options.sourceUser ?? `${options.sourceDatabase}_reader`,
    sourceSchema: options.sourceSchema ?? 'public',
    datakit: options.datakit ?? '',
    datakitVersion,
  });
  // What was written must be a valid warehouse (every problem at once, as datakit reports it).
  const file = join(projectRoot, 'warehouse.yaml');
  const warehouse = parseWarehouseYaml(tree.read(file, 'utf8') ?? '', file);
  const lockFile = join(projectRoot, 'datakits.lock.json');
  if (!tree.exists(lockFile)) {
    tree.write(
      lockFile,
      formatLockJson({
        $schema: `${offsetFromRoot(projectRoot)}libs/warehouse/schema/lock.schema.json`,
        lockVersion: 1,
        warehouse: warehouse.name,
        inputsDigest: lockInputsDigest(warehouse),
        datakits: {},
      } as Parameters<typeof formatLockJson>[0]),
    );
  }
  return formatAndLink(
    tree,
    `@datakit/warehouse-${options.name}`,
    projectRoot,
    options.skipInstall ?? false,
  );
}

export default warehouseGenerator;
