import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { Inventory, Payment, Rental } from '@datakit/pagila-source';

import { key, lastUpdate } from './_columns.ts';

/** `bronze.inventory`. */
export const BronzeInventory = withAudit(
  defineTable({
    name: 'inventory',
    schema: 'bronze',
    columns: {
      inventory_id: key(),
      film_id: col.integer(),
      store_id: col.integer(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.rental`. */
export const BronzeRental = withAudit(
  defineTable({
    name: 'rental',
    schema: 'bronze',
    columns: {
      rental_id: key(),
      rental_date: col.timestamptz(),
      inventory_id: col.integer(),
      customer_id: col.integer(),
      return_date: col.timestamptz().nullable(),
      staff_id: col.integer(),
      last_update: lastUpdate(),
    },
  }),
);

/**
 * `bronze.payment`: one plain table for all the source's monthly partitions. Same key as the
 * source (payment_id, payment_date); `payment_date` is the cursor because payments are never
 * updated.
 */
export const BronzePayment = withAudit(
  defineTable({
    name: 'payment',
    schema: 'bronze',
    description: 'Payments of every month (the source partitions merged into one table)',
    columns: {
      payment_id: key(),
      customer_id: col.integer(),
      staff_id: col.integer(),
      rental_id: col.integer(),
      amount: col.numeric(5, 2),
      payment_date: col.timestamptz().primaryKey().cursor(),
    },
  }),
);

export const inventoryToBronze = defineTransform({
  from: Inventory,
  to: BronzeInventory,
  columns: 'same',
});

export const rentalToBronze = defineTransform({
  from: Rental,
  to: BronzeRental,
  columns: 'same',
});

export const paymentToBronze = defineTransform({
  from: Payment,
  to: BronzePayment,
  columns: 'same',
});
