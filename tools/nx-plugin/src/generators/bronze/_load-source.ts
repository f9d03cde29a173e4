import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { AnyTable } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';

/** The exported contracts of a source datakit package, in its own order. */
export interface LoadedSource {
  /** Package name, e.g. `@datakit/pagila-source`. */
  packageName: string;
  tables: { exportName: string; table: AnyTable }[];
}

function isTable(value: unknown): value is AnyTable {
  return (
    typeof value === 'object' &&
    value !== null &&
    'qualifiedName' in value &&
    'columns' in value &&
    'definition' in value
  );
}

/**
 * Imports a source datakit of the workspace (`pagila-source`, `@datakit/pagila-source` or
 * `datakits/pagila-source`) and lists its exported table contracts: in the order of its
 * exported list of tables (e.g. `pagilaSourceTables`) when it has one, else in export order.
 */
export async function loadSource(root: string, from: string): Promise<LoadedSource> {
  const folder = from
    .replace(/^@datakit\//, '')
    .replace(/^datakits\//, '')
    .replace(/\/$/, '');
  const dir = join(root, 'datakits', folder);
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) {
    throw new ConfigError(`No source datakit "${from}": ${manifest} does not exist.`, {
      hint: 'Name a package of datakits/, e.g. --from pagila-source (write one with datakit new source).',
    });
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    name: string;
    exports?: Record<string, string>;
  };
  const entry = join(dir, pkg.exports?.['.'] ?? 'src/index.ts');
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  const byValue = new Map<AnyTable, string>();
  for (const [name, value] of Object.entries(module)) if (isTable(value)) byValue.set(value, name);
  const list = Object.values(module).find(
    (value): value is AnyTable[] =>
      Array.isArray(value) && value.length > 0 && value.every(isTable),
  );
  const ordered = list ?? [...byValue.keys()];
  const tables = ordered.flatMap((table) => {
    const exportName = byValue.get(table);
    return exportName === undefined ? [] : [{ exportName, table }];
  });
  if (tables.length === 0) {
    throw new ConfigError(`${pkg.name} exports no table contracts.`, {
      hint: 'A source datakit exports its defineTable() contracts from src/index.ts.',
    });
  }
  return { packageName: pkg.name, tables };
}
