import { col, defineTable } from '@datakit/contracts';

import { lastUpdate, serialId } from './_columns.ts';

/** `public.customer`: the store's customers. */
export const Customer = defineTable({
  name: 'customer',
  description: 'Customers of the DVD rental stores',
  columns: {
    customer_id: serialId(),
    store_id: col.integer(),
    first_name: col.text(),
    last_name: col.text(),
    email: col.text().nullable(),
    address_id: col.integer(),
    activebool: col.boolean(),
    create_date: col.date(),
    // Nullable in pagila (no NOT NULL) although every row has one; a loader reading by cursor
    // must decide what to do with NULLs (see README.md, "Choices worth knowing").
    last_update: col.timestamptz().nullable().cursor(),
    active: col.integer().nullable().describe('Legacy 0/1 flag kept next to activebool'),
  },
});

/** `public.address`: postal addresses of customers, staff and stores. */
export const Address = defineTable({
  name: 'address',
  columns: {
    address_id: serialId(),
    address: col.text(),
    address2: col.text().nullable(),
    district: col.text(),
    city_id: col.integer(),
    postal_code: col.text().nullable(),
    phone: col.text(),
    last_update: lastUpdate(),
  },
});

/** `public.city`. */
export const City = defineTable({
  name: 'city',
  columns: {
    city_id: serialId(),
    city: col.text(),
    country_id: col.integer(),
    last_update: lastUpdate(),
  },
});

/** `public.country`. */
export const Country = defineTable({
  name: 'country',
  columns: {
    country_id: serialId(),
    country: col.text(),
    last_update: lastUpdate(),
  },
});
