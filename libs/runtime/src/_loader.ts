// The one place the runtime calls @datakit/loader.
import { loadTable as load } from '@datakit/loader';

import type { LoadTableInput, LoadTableResult } from './services.ts';

/** Loads one table through @datakit/loader with the run's sessions and settings. */
export function loadTable(input: LoadTableInput): Promise<LoadTableResult> {
  const { table } = input;
  return load({
    runId: input.runId,
    datakit: input.datakit,
    contractHash: input.contractHash,
    source: input.source.client,
    target: input.target.client,
    sourceTable: table.source,
    targetTable: table.target,
    transform: table.transform,
    sourceSchema: table.sourceSchema,
    targetSchema: table.targetSchema,
    cursor: table.cursor,
    mode: table.mode,
    batchSize: input.batchSize,
    copyFormat: input.copyFormat,
    rejectThreshold: input.rejectThreshold,
    extraColumns: input.extraColumns,
    onProgress: input.onProgress,
  });
}
