import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { discoverSource } from '@datakit/databases';
import { ConfigError } from '@datakit/errors';
import { onThisMachine } from '@datakit/pins';
import { resolveEnvironment } from '@datakit/warehouse';
import { envFlags, findWarehouse } from '../../_deploy.ts';
import {
  generateFlags,
  printGenerated,
  runGenerator,
  type NewCommandResult,
} from '../../_generate.ts';
import { DatakitCommand } from '../../_render.ts';

export default class NewSource extends DatakitCommand {
  static override summary =
    "Write a source datakit package whose contracts match a live database's catalog.";
  static override description =
    'Reads the tables of one schema (partitions folded into their parent; views only when named) through a connection of a warehouse, as this machine opens it, and runs the @datakit/nx-plugin:source generator: datakits/<name> with one contract per table (the column kind of every built-in type, lengths, precision, nullability, primary keys, .source() for names that are not plain identifiers, a suggested cursor), an index and a spec, formatted, then linked into the workspace. Running it again changes nothing unless the catalog changed (a table gone takes its file with it). A SQL Server connection reads the tables named by --tables only. Exit code 2 for an unknown warehouse, connection or table, 5 when the database cannot be reached.';
  static override examples = [
    '<%= config.bin %> new source pagila-copy --from analytics:pagila --schema public --dry-run',
    '<%= config.bin %> new source shop-source --from shop:shop --tables orders,order_lines',
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({
      description: 'Package name and folder under datakits/, e.g. shop-source.',
      required: true,
    }),
  };
  static override flags = {
    ...envFlags,
    ...generateFlags,
    from: Flags.string({
      description: '<warehouse>:<connection> to read the catalog through, e.g. analytics:pagila.',
      required: true,
    }),
    schema: Flags.string({ description: "Live schema to read; default the connection's schema." }),
    tables: Flags.string({
      description: 'Comma-separated tables (or views) to read; default every table.',
    }),
  };

  async run(): Promise<NewCommandResult> {
    const { args, flags } = await this.parse(NewSource);
    const [warehouse, connectionName, ...rest] = flags.from.split(':');
    if (!warehouse || !connectionName || rest.length > 0) {
      throw new ConfigError(`--from "${flags.from}" is not <warehouse>:<connection>.`, {
        hint: 'Name a warehouse of warehouses/ and one of its connections, e.g. --from analytics:pagila.',
      });
    }
    const loaded = findWarehouse(warehouse);
    // The connection's values in the environment the catalog is read from.
    const connection = resolveEnvironment(loaded.warehouse, flags.env).connections[connectionName];
    if (connection === undefined) {
      throw new ConfigError(`${loaded.file}: field "connections" has no "${connectionName}".`, {
        hint: `Connections there: ${Object.keys(loaded.warehouse.connections).join(', ')}.`,
      });
    }
    const schema =
      flags.schema ??
      (connection.kind === 'postgres' ? (connection.schema ?? 'public') : undefined) ??
      'dbo';
    const tables = flags.tables
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    this.progress(
      `reading schema ${schema} through connection "${connectionName}" of ${loaded.warehouse.name}`,
    );
    const catalog = await discoverSource(
      onThisMachine(loaded, flags.env, connection),
      schema,
      tables,
    );
    const dir = mkdtempSync(join(tmpdir(), 'datakit-new-source-'));
    try {
      const catalogFile = join(dir, 'catalog.json');
      writeFileSync(catalogFile, JSON.stringify(catalog));
      const result = await runGenerator(
        'source',
        args.name,
        {
          from: flags.from,
          schema,
          tables: tables?.join(','),
          catalogFile,
          skipInstall: flags['skip-install'],
        },
        flags['dry-run'],
      );
      if (!this.jsonEnabled()) printGenerated(this, result);
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
