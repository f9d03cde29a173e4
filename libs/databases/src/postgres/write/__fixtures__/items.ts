// Contracts, a transform and load options for the loader's integration tests.
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';

import type { LoadTableOptions } from '../load-table.ts';

import { testLoadOptions } from './load-options.ts';
import type { LoadSides, TestLoadOverrides } from './load-options.ts';

/** `label` is text in the scratch database and varchar(10) in the contracts. */
const columns = {
  item_id: col.integer().primaryKey(),
  label: col.varchar(10),
  price: col.numeric(5, 2),
  tags: col.array(col.text()).nullable(),
  updated: col.timestamptz().cursor(),
};

/** The source: `items` in a scratch schema. */
export const Item = defineTable({ name: 'items', columns });

/** The target: the same columns plus the audit columns. */
export const BronzeItem = withAudit(defineTable({ name: 'items', columns }));

/** Passes rows through; filters the ones labelled `skip`. */
export const itemToBronze = defineTransform({
  from: Item,
  to: BronzeItem,
  map: (row) => (row.label === 'skip' ? null : { ...row }),
});

/** A merge of `items` from one scratch schema into another, incremental on `updated`. */
export function itemLoadOptions(
  sides: LoadSides,
  overrides: TestLoadOverrides = {},
): LoadTableOptions {
  return testLoadOptions(
    { sourceTable: Item, targetTable: BronzeItem, transform: itemToBronze, cursor: 'updated' },
    sides,
    overrides,
  );
}
