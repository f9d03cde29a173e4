// The one place the runtime calls @datakit/loader.
import { DatakitError } from '@datakit/errors';

import type { LoadTableInput, LoadTableResult } from './services.ts';

/** Loads one table through @datakit/loader. */
export function loadTable(input: LoadTableInput): Promise<LoadTableResult> {
  // TODO(issue 3): call @datakit/loader once it is committed.
  return Promise.reject(
    new DatakitError(
      `Cannot load ${input.table.target.qualifiedName}: this build of the runtime has no loader yet.`,
    ),
  );
}
