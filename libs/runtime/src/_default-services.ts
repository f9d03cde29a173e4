import { checkDrift } from './_drift.ts';
import { loadTable } from './_loader.ts';
import { openConnection } from './open-connection.ts';
import type { DatakitServices } from './services.ts';

/** The real services: PostgreSQL sessions, @datakit/drift and @datakit/loader. */
export const defaultServices: DatakitServices = { openConnection, checkDrift, loadTable };
