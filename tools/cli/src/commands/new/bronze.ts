import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import { repoRoot } from '../../_paths.ts';
import {
  generateFlags,
  printGenerated,
  runGenerator,
  type NewCommandResult,
} from '../../_generate.ts';
import { DatakitCommand } from '../../_render.ts';

export default class NewBronze extends DatakitCommand {
  static override summary =
    'Write a bronze datakit: audited copies of a source datakit’s tables with identity transforms and tests.';
  static override description =
    "Runs the @datakit/nx-plugin:bronze generator on a source datakit of datakits/: datakits/<name> with, per source table, a target contract in the bronze schema (the same columns, key and cursor, withAudit's audit columns), an identity transform, the datakit definition and image entrypoint, and unit tests that run factory rows through every transform; formatted, then linked into the workspace. Running it again changes nothing. Exit code 2 when the source datakit does not exist.";
  static override examples = [
    '<%= config.bin %> new bronze shop-bronze --from shop-source',
    '<%= config.bin %> new bronze pagila-copy --from pagila-source --schema raw --dry-run',
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({
      description: 'Package name and folder under datakits/, e.g. shop-bronze.',
      required: true,
    }),
  };
  static override flags = {
    ...generateFlags,
    from: Flags.string({
      description: 'The source datakit of datakits/, e.g. pagila-source.',
      required: true,
    }),
    schema: Flags.string({ description: 'Target schema in the warehouse.', default: 'bronze' }),
  };

  async run(): Promise<NewCommandResult> {
    const { args, flags } = await this.parse(NewBronze);
    const folder = flags.from.replace(/^@datakit\//, '').replace(/^datakits\//, '');
    const manifest = join(repoRoot(), 'datakits', folder, 'package.json');
    if (!existsSync(manifest)) {
      throw new ConfigError(`No source datakit "${flags.from}": ${manifest} does not exist.`, {
        hint: 'Name a package of datakits/, e.g. --from pagila-source (write one with datakit new source).',
      });
    }
    const result = await runGenerator(
      'bronze',
      args.name,
      { from: flags.from, schema: flags.schema, skipInstall: flags['skip-install'] },
      flags['dry-run'],
    );
    if (!this.jsonEnabled()) printGenerated(this, result);
    return result;
  }
}
