import { col, defineTable } from '@datakit/contracts';

import { lastUpdate, serialId } from './_columns.ts';

/** `public.inventory`: copies of films held by a store. */
export const Inventory = defineTable({
  name: 'inventory',
  columns: {
    inventory_id: serialId(),
    film_id: col.integer(),
    store_id: col.integer(),
    last_update: lastUpdate(),
  },
});

/** `public.rental`: one rental of one inventory item; `return_date` is null while rented. */
export const Rental = defineTable({
  name: 'rental',
  columns: {
    rental_id: serialId(),
    rental_date: col.timestamptz(),
    inventory_id: col.integer(),
    customer_id: col.integer(),
    return_date: col.timestamptz().nullable(),
    staff_id: col.integer(),
    last_update: lastUpdate(),
  },
});

/**
 * `public.payment`: the parent of the monthly partitions `payment_p2022_01` ... (range on
 * `payment_date`); reading the parent reads every partition. The key is
 * (payment_date, payment_id) because a partitioned table's key must contain the partition
 * column. Payments are never updated and have no `last_update`, so `payment_date` is the cursor.
 */
export const Payment = defineTable({
  name: 'payment',
  description: 'Payments, partitioned by month on payment_date',
  columns: {
    payment_id: col.integer().primaryKey(),
    customer_id: col.integer(),
    staff_id: col.integer(),
    rental_id: col.integer(),
    amount: col.numeric(5, 2),
    payment_date: col.timestamptz().primaryKey().cursor(),
  },
});
