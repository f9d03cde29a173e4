import { col } from '@datakit/contracts';

/**
 * `last_update timestamp with time zone DEFAULT now() NOT NULL`: set by pagila's
 * `last_updated` trigger on every update, so it is the incremental cursor of most tables.
 */
export const lastUpdate = () => col.timestamptz().cursor();

/** A serial `integer` primary key (pagila's `DEFAULT nextval(...)` ids). */
export const serialId = () => col.integer().primaryKey();
