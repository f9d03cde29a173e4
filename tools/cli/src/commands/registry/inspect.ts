import { Args } from '@oclif/core';
import { ConfigError } from '@datakit/errors';
import type { ImageManifest } from '@datakit/registry';
import { DatakitCommand } from '../../_render.ts';
import { openRegistry, registryFlags } from '../../_registry.ts';

/** One table of a datakit's contract, summarised. */
export interface ContractTableSummary {
  table: string;
  columns: number;
  primaryKey: string[];
  cursor: string | undefined;
}

/** What `datakit registry inspect --json` prints. */
export interface RegistryInspectResult {
  reference: string;
  digest: string;
  mediaType: string;
  /** Bytes of config and layers. */
  size: number;
  created: string | undefined;
  labels: Record<string, string>;
  contractHash: string | undefined;
  contract: ContractTableSummary[];
}

export default class RegistryInspect extends DatakitCommand {
  static override summary =
    'Show a datakit version in the registry: digest, size, labels and contract, without running it.';
  static override examples = [
    '<%= config.bin %> registry inspect pagila-bronze@1.4.2',
    '<%= config.bin %> registry inspect hello@0.2.0 --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    ref: Args.string({
      description: 'datakit@version (or datakit@sha256:digest).',
      required: true,
    }),
  };
  static override flags = { ...registryFlags };

  async run(): Promise<RegistryInspectResult> {
    const { args, flags } = await this.parse(RegistryInspect);
    const [repository, reference] = args.ref.split('@');
    if (!repository || !reference) {
      throw new ConfigError(
        `"${args.ref}" is not datakit@version; expected e.g. pagila-bronze@1.4.2.`,
      );
    }
    const { client, host } = openRegistry(flags.registry);
    const fetched = await client.manifest(repository, reference);
    const manifest = fetched.manifest as ImageManifest;
    const config = await client.config(repository, manifest);
    const labels = config.config?.Labels ?? {};
    const result: RegistryInspectResult = {
      reference: `${host}/${repository}:${labels['org.opencontainers.image.version'] ?? reference}@${fetched.digest}`,
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      size:
        manifest.config.size + (manifest.layers ?? []).reduce((sum, layer) => sum + layer.size, 0),
      created: typeof config.created === 'string' ? config.created : undefined,
      labels,
      contractHash: labels['dev.datakit.contract.hash'],
      contract: summariseContract(labels['dev.datakit.spec']),
    };
    if (!this.jsonEnabled()) {
      this.log(`reference  ${result.reference}`);
      this.log(`size       ${result.size} bytes`);
      this.log(`created    ${result.created ?? '-'}`);
      this.log(`contract   ${result.contractHash ?? '- (not a datakit image)'}`);
      for (const t of result.contract) {
        this.log(
          `  ${t.table.padEnd(28)} ${String(t.columns).padStart(3)} columns  key (${t.primaryKey.join(', ')})${t.cursor ? `  cursor ${t.cursor}` : ''}`,
        );
      }
      this.log('labels');
      for (const [key, value] of Object.entries(labels)) {
        if (key !== 'dev.datakit.spec') this.log(`  ${key}=${value}`);
      }
    }
    return result;
  }
}

/** Reads table summaries out of the spec label, whatever its contract layout. */
function summariseContract(specLabel: string | undefined): ContractTableSummary[] {
  if (!specLabel) return [];
  const spec = JSON.parse(specLabel) as { contracts?: unknown };
  const tables: unknown[] = Array.isArray(spec.contracts)
    ? spec.contracts
    : Object.values((spec.contracts ?? {}) as Record<string, unknown>).flatMap((v) =>
        Array.isArray(v) ? v : [v],
      );
  return tables.flatMap((table) => {
    const t = table as {
      name?: string;
      schema?: string;
      columns?: unknown;
      primaryKey?: string[];
      cursor?: string;
    };
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string') return [];
    const columns = Array.isArray(t.columns)
      ? t.columns.length
      : Object.keys((t.columns ?? {}) as object).length;
    return [
      {
        table: t.schema ? `${t.schema}.${t.name}` : t.name,
        columns,
        primaryKey: t.primaryKey ?? [],
        cursor: t.cursor,
      },
    ];
  });
}
