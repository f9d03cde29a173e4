// Contracts and a transform for the loader's integration tests.
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';

/** The source: `items` in a scratch schema; `label` is text in the database, varchar(10) here. */
export const Item = defineTable({
  name: 'items',
  columns: {
    item_id: col.integer().primaryKey(),
    label: col.varchar(10),
    price: col.numeric(5, 2),
    tags: col.array(col.text()).nullable(),
    updated: col.timestamptz().cursor(),
  },
});

/** The target: the same columns plus the audit columns. */
export const BronzeItem = withAudit(
  defineTable({
    name: 'items',
    columns: {
      item_id: col.integer().primaryKey(),
      label: col.varchar(10),
      price: col.numeric(5, 2),
      tags: col.array(col.text()).nullable(),
      updated: col.timestamptz().cursor(),
    },
  }),
);

/** Passes rows through; filters the ones labelled `skip`. */
export const itemToBronze = defineTransform({
  from: Item,
  to: BronzeItem,
  map: (row) => (row.label === 'skip' ? null : { ...row }),
});
