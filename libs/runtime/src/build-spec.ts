import { contractHash, describeTable } from '@datakit/contracts';
import type { AnyTable } from '@datakit/contracts';

import { configJsonSchema } from './config-schema.ts';
import type { DatakitDefinition } from './define-datakit.ts';
import type { SpecEvent } from './events.ts';

/** The version `spec` reports when the image did not set `DATAKIT_VERSION` (a local run). */
export const DEV_VERSION = '0.0.0-dev';

/**
 * What the `spec` verb prints: name and version (from `DATAKIT_NAME` / `DATAKIT_VERSION`,
 * which the image sets from package.json), every source and target contract, their hash, the
 * transforms, and the JSON Schema of the config file. Needs no config and no database.
 */
export function buildSpec(
  definition: DatakitDefinition,
  env: Readonly<Record<string, string | undefined>>,
): SpecEvent {
  const contracts = uniqueTables(definition.tables.flatMap((t) => [t.source, t.target]));
  return {
    type: 'spec',
    name: env.DATAKIT_NAME || definition.name,
    version: env.DATAKIT_VERSION || DEV_VERSION,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    contracts: contracts.map(describeTable),
    contractHash: contractHash(contracts),
    transforms: definition.tables.map((t) => ({
      name: t.transform.name,
      source: t.source.qualifiedName,
      target: t.target.qualifiedName,
      mode: t.mode,
      modes: [...t.modes],
      cursor: t.cursor,
      cursorUnique: t.cursorUnique,
      dedupOn: [...t.dedupOn],
    })),
    config: configJsonSchema(definition),
  };
}

/** Sources first, then targets, each table once (two tables may read the same source). */
function uniqueTables(tables: AnyTable[]): AnyTable[] {
  const seen = new Set<AnyTable>();
  const sources = tables.filter((_, i) => i % 2 === 0);
  const targets = tables.filter((_, i) => i % 2 === 1);
  return [...sources, ...targets].filter((t) => !seen.has(t) && seen.add(t));
}
