import { Args, Flags } from '@oclif/core';
import {
  generateFlags,
  printGenerated,
  runGenerator,
  type NewCommandResult,
} from '../../_generate.ts';
import { DatakitCommand } from '../../_render.ts';

export default class NewWarehouse extends DatakitCommand {
  static override summary =
    'Write a warehouse (warehouse.yaml and its lock) for the local environment.';
  static override description =
    'Runs the @datakit/nx-plugin:warehouse generator: warehouses/<name> with a `source` connection to a database of the local PostgreSQL (its read-only role, secret file in .infra/secrets/datakit), the local `warehouse` database as `dwh`, the local Docker environment, the local Kerberos identity, optionally one pinned datakit (its major version, merged), and a lock in sync with the pins; then `datakit pin <name> --relock` resolves the pins through the registry. Running it again changes nothing.';
  static override examples = [
    '<%= config.bin %> new warehouse shop --source-database shop --datakit shop-bronze',
    '<%= config.bin %> new warehouse sandbox --source-database pagila --dry-run',
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({
      description: 'Warehouse name and folder under warehouses/.',
      required: true,
    }),
  };
  static override flags = {
    ...generateFlags,
    'source-database': Flags.string({
      description: 'Database of the local PostgreSQL the datakits read.',
      required: true,
    }),
    'source-user': Flags.string({ description: 'Its read-only role; default <database>_reader.' }),
    'source-schema': Flags.string({ description: 'Its schema.', default: 'public' }),
    datakit: Flags.string({ description: 'A datakit of datakits/ to pin, e.g. shop-bronze.' }),
  };

  async run(): Promise<NewCommandResult> {
    const { args, flags } = await this.parse(NewWarehouse);
    const result = await runGenerator(
      'warehouse',
      args.name,
      {
        sourceDatabase: flags['source-database'],
        sourceUser: flags['source-user'],
        sourceSchema: flags['source-schema'],
        datakit: flags.datakit,
        skipInstall: flags['skip-install'],
      },
      flags['dry-run'],
    );
    if (!this.jsonEnabled()) {
      printGenerated(this, { ...result, directory: `warehouses/${result.name}` });
      if (flags.datakit !== undefined && !result.dryRun) {
        this.log(
          `next: datakit pin ${result.name} --relock (resolves ${flags.datakit} through the registry)`,
        );
      }
    }
    return { ...result, directory: `warehouses/${result.name}` };
  }
}
