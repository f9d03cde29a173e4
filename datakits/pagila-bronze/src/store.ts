import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { Staff, Store } from '@datakit/pagila-source';

import { key, lastUpdate } from './_columns.ts';

/**
 * `bronze.staff`. The source's `password` (a SHA-1 hash of a login password) is not copied:
 * credentials, hashed or not, do not belong in a warehouse.
 */
export const BronzeStaff = withAudit(
  defineTable({
    name: 'staff',
    schema: 'bronze',
    description: 'Staff of the stores, without their password hashes',
    columns: {
      staff_id: key(),
      first_name: col.text(),
      last_name: col.text(),
      address_id: col.integer(),
      email: col.text().nullable(),
      store_id: col.integer(),
      active: col.boolean(),
      username: col.text(),
      last_update: lastUpdate(),
      picture: col.bytea().nullable(),
    },
  }),
);

/** `bronze.store`. */
export const BronzeStore = withAudit(
  defineTable({
    name: 'store',
    schema: 'bronze',
    columns: {
      store_id: key(),
      manager_staff_id: col.integer(),
      address_id: col.integer(),
      last_update: lastUpdate(),
    },
  }),
);

export const staffToBronze = defineTransform({
  from: Staff,
  to: BronzeStaff,
  columns: 'same',
});

export const storeToBronze = defineTransform({
  from: Store,
  to: BronzeStore,
  columns: 'same',
});
