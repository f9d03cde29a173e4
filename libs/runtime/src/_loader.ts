// The one place the runtime asks a target adapter to load.
import type { LoadTableInput, LoadTableResult } from './services.ts';

/** Loads one table through the target session's adapter with the run's sessions and settings. */
export function loadTable(input: LoadTableInput): Promise<LoadTableResult> {
  const { table } = input;
  return input.target.loadTable({
    runId: input.runId,
    datakit: input.datakit,
    contractHash: input.contractHash,
    source: input.source,
    sourceTable: table.source,
    targetTable: table.target,
    transform: table.transform,
    sourceSchema: table.sourceSchema,
    targetSchema: table.targetSchema,
    cursor: table.cursor,
    dedupOn: table.dedupOn,
    mode: table.mode,
    batchSize: input.batchSize,
    copyFormat: input.copyFormat,
    rejectThreshold: input.rejectThreshold,
    rejectFloor: input.rejectFloor,
    extraColumns: input.extraColumns,
    onProgress: input.onProgress,
  });
}
