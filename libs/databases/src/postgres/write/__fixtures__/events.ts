// Contracts of a table whose every column crosses the wire in binary COPY (see binary-copy.ts).
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';

import type { LoadTableOptions } from '../load-table.ts';

import { testLoadOptions } from './load-options.ts';
import type { LoadSides, TestLoadOverrides } from './load-options.ts';

const columns = {
  event_id: col.integer().primaryKey(),
  name: col.varchar(10),
  amount: col.bigint().nullable(),
  flag: col.boolean(),
  code: col.smallint(),
  local_at: col.timestamp().nullable(),
  at: col.timestamptz().cursor(),
};

/** The source: `events` in a scratch schema. */
export const Event = defineTable({ name: 'events', columns });

/** The target: the same columns plus the audit columns. */
export const BronzeEvent = withAudit(defineTable({ name: 'events', columns }));

/** Passes rows through; filters the ones named `skip`. */
export const eventToBronze = defineTransform({
  from: Event,
  to: BronzeEvent,
  map: (row) => (row.name === 'skip' ? null : { ...row }),
});

/** A merge of `events` from one scratch schema into another, incremental on `at`. */
export function eventLoadOptions(
  sides: LoadSides,
  overrides: TestLoadOverrides = {},
): LoadTableOptions {
  return testLoadOptions(
    { sourceTable: Event, targetTable: BronzeEvent, transform: eventToBronze, cursor: 'at' },
    sides,
    overrides,
  );
}
