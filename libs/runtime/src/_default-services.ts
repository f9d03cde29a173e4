import { openSource, openTarget } from '@datakit/databases';

import { checkDrift } from './_drift.ts';
import { loadTable } from './_loader.ts';
import type { DatakitServices } from './services.ts';

/** The real services: sessions through @datakit/databases' adapters, and @datakit/drift. */
export const defaultServices: DatakitServices = {
  openSource: (connection) => openSource('source', connection),
  openTarget,
  checkDrift,
  loadTable,
};
