import { join } from 'node:path';

import {
  generateFiles,
  offsetFromRoot,
  workspaceRoot,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';

import { formatAndLink } from '../_link-package.ts';
import { bronzeModel } from './_bronze-model.ts';
import { loadSource } from './_load-source.ts';
import { indexFile, mainFile, specFile, tableFile } from './_render-bronze.ts';

/** Options of the `bronze` generator (schema.json). */
export interface BronzeGeneratorOptions {
  /** Package folder and name: `datakits/<name>`, `@datakit/<name>`. */
  name: string;
  /** The source datakit of the workspace, e.g. `pagila-source`. */
  from: string;
  /** Target schema of the warehouse (default `bronze`). */
  schema?: string;
  /** Folder the package goes in (default `datakits`). */
  directory?: string;
  /** Only link the package (symlink), do not run npm install. */
  skipInstall?: boolean;
}

const NAME = /^[a-z][a-z0-9-]*$/;
const SCHEMA = /^[a-z_][a-z0-9_$]*$/;

/**
 * Writes a bronze datakit: per source table an audited target contract in the bronze schema
 * with the same columns, key and cursor, an identity transform, the datakit definition, the
 * image entrypoint and unit tests that run factory rows through every transform.
 */
export async function bronzeGenerator(
  tree: Tree,
  options: BronzeGeneratorOptions,
): Promise<GeneratorCallback> {
  if (!NAME.test(options.name)) {
    throw new Error(
      `"${options.name}" is not a package name: use lowercase letters, digits and dashes (e.g. shop-bronze).`,
    );
  }
  const schema = options.schema ?? 'bronze';
  if (!SCHEMA.test(schema)) throw new Error(`schema "${schema}" must match ${SCHEMA.source}`);
  // The source package is read from the workspace on disk, where it is linked.
  const source = await loadSource(workspaceRoot, options.from);
  const models = bronzeModel(source.tables, schema);
  const projectRoot = join(options.directory ?? 'datakits', options.name);
  generateFiles(tree, join(import.meta.dirname, 'files'), projectRoot, {
    tmpl: '',
    name: options.name,
    sourcePackage: source.packageName,
    schema,
    tableCount: models.length,
    offset: offsetFromRoot(projectRoot),
    description: `Copies of the ${models.length} tables of ${source.packageName} in schema ${schema}, with audit columns.`,
    cursorLines: models
      .map(
        (m) =>
          `- \`${m.source.name}\`: ${m.source.cursor === undefined ? 'read in full' : `\`${m.source.cursor}\``}`,
      )
      .join('\n'),
  });
  for (const model of models) {
    const file = tableFile(model, source.packageName);
    tree.write(join(projectRoot, file.path), file.content);
  }
  tree.write(
    join(projectRoot, 'src/index.ts'),
    indexFile(options.name, source.packageName, models),
  );
  tree.write(join(projectRoot, 'src/main.ts'), mainFile(options.name));
  tree.write(join(projectRoot, 'src/index.spec.ts'), specFile(options.name, models));
  return formatAndLink(tree, `@datakit/${options.name}`, projectRoot, options.skipInstall ?? false);
}

export default bronzeGenerator;
