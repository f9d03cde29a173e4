import { col } from '@datakit/contracts';

/** `last_update`: copied from the source, where it is the incremental cursor. */
export const lastUpdate = () => col.timestamptz().cursor();

/** An integer key copied from the source. */
export const key = () => col.integer().primaryKey();
