import { join } from 'node:path';

import { generateFiles, offsetFromRoot, type GeneratorCallback, type Tree } from '@nx/devkit';

import { formatAndLink } from '../_link-package.ts';
import { camelCase } from '../_names.ts';
import { readCatalog } from '../_read-catalog.ts';
import { GENERATED_MARK, indexFile, specFile, tableFile } from './_render-source.ts';
import { sourceModel } from './_source-model.ts';

/** Options of the `source` generator (schema.json). */
export interface SourceGeneratorOptions {
  /** Package folder and name: `datakits/<name>`, `@datakit/<name>`. */
  name: string;
  /** `<warehouse>:<connection>` of warehouses/. */
  from: string;
  /** Live schema to read. */
  schema: string;
  /** Comma-separated tables (or views); every table of the schema when absent. */
  tables?: string;
  /** Environment of warehouse.yaml whose connection settings are used (default local). */
  environment?: string;
  /** A catalog already read (JSON of `DiscoveredSchema`), instead of connecting. */
  catalogFile?: string;
  /** Folder the package goes in (default `datakits`). */
  directory?: string;
  /** Only link the package (symlink), do not run npm install. */
  skipInstall?: boolean;
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Writes a source datakit package whose contracts match the live catalog: one file per table,
 * an index listing them parents first, and a spec that builds factory rows of every table and
 * pins the contract hash.
 */
export async function sourceGenerator(
  tree: Tree,
  options: SourceGeneratorOptions,
): Promise<GeneratorCallback> {
  if (!NAME.test(options.name)) {
    throw new Error(
      `"${options.name}" is not a package name: use lowercase letters, digits and dashes (e.g. shop-source).`,
    );
  }
  const tables = options.tables
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const catalog = await readCatalog({
    root: tree.root,
    from: options.from,
    schema: options.schema,
    ...(tables === undefined ? {} : { tables }),
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.catalogFile === undefined ? {} : { catalogFile: options.catalogFile }),
  });
  // Views only when asked for by name: a source datakit reads tables.
  const chosen =
    tables === undefined
      ? { ...catalog, tables: catalog.tables.filter((t) => t.relation !== 'view') }
      : catalog;
  if (chosen.tables.length === 0) {
    throw new Error(`Schema "${options.schema}" has no tables to generate contracts for.`);
  }
  const models = sourceModel(chosen);
  const projectRoot = join(options.directory ?? 'datakits', options.name);
  generateFiles(tree, join(import.meta.dirname, 'files'), projectRoot, {
    tmpl: '',
    name: options.name,
    description: `Contracts of schema ${options.schema} (${catalog.kind}), generated from the live catalog.`,
    offset: offsetFromRoot(projectRoot),
    tableCount: models.length,
    schema: options.schema,
    kind: catalog.kind,
    from: options.from,
    firstConst: models[0]!.constName,
    listName: `${camelCase(options.name)}Tables`,
    cursorLines: models
      .map((m) => {
        const cursor = m.columns.find((c) => c.call.modifiers.some((x) => x.name === 'cursor'));
        return `- \`${m.name}\`: ${cursor === undefined ? 'none (read in full)' : `\`${cursor.name}\``}`;
      })
      .join('\n'),
  });
  const written = new Set<string>();
  for (const model of models) {
    const file = tableFile(model);
    written.add(join(projectRoot, file.path));
    tree.write(join(projectRoot, file.path), file.content);
  }
  // A table gone from the catalog (or from --tables) takes its generated file with it.
  const src = join(projectRoot, 'src');
  for (const child of tree.exists(src) ? tree.children(src) : []) {
    const path = join(src, child);
    if (written.has(path) || !child.endsWith('.ts')) continue;
    if (tree.read(path, 'utf8')?.startsWith(GENERATED_MARK)) tree.delete(path);
  }
  tree.write(join(projectRoot, 'src/index.ts'), indexFile(options.name, models));
  tree.write(join(projectRoot, 'src/index.spec.ts'), specFile(options.name, models));
  return formatAndLink(tree, `@datakit/${options.name}`, projectRoot, options.skipInstall ?? false);
}

export default sourceGenerator;
