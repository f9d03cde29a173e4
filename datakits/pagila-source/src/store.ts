import { col, defineTable } from '@datakit/contracts';

import { lastUpdate, serialId } from './_columns.ts';

/** `public.staff`. `password` is a SHA-1 hash in pagila; `picture` is an optional image. */
export const Staff = defineTable({
  name: 'staff',
  columns: {
    staff_id: serialId(),
    first_name: col.text(),
    last_name: col.text(),
    address_id: col.integer(),
    email: col.text().nullable(),
    store_id: col.integer(),
    active: col.boolean(),
    username: col.text(),
    password: col.text().nullable(),
    last_update: lastUpdate(),
    picture: col.bytea().nullable(),
  },
});

/** `public.store`. */
export const Store = defineTable({
  name: 'store',
  columns: {
    store_id: serialId(),
    manager_staff_id: col.integer(),
    address_id: col.integer(),
    last_update: lastUpdate(),
  },
});
