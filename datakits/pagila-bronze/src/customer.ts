import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { Address, City, Country, Customer } from '@datakit/pagila-source';

import { key, lastUpdate } from './_columns.ts';

/** `bronze.customer`. `last_update` stays nullable, as in the source. */
export const BronzeCustomer = withAudit(
  defineTable({
    name: 'customer',
    schema: 'bronze',
    description: 'Customers of the DVD rental stores, as pagila has them',
    columns: {
      customer_id: key(),
      store_id: col.integer(),
      first_name: col.text(),
      last_name: col.text(),
      email: col.text().nullable(),
      address_id: col.integer(),
      activebool: col.boolean(),
      create_date: col.date(),
      last_update: col.timestamptz().nullable().cursor(),
      active: col.integer().nullable(),
    },
  }),
);

/** `bronze.address`. */
export const BronzeAddress = withAudit(
  defineTable({
    name: 'address',
    schema: 'bronze',
    columns: {
      address_id: key(),
      address: col.text(),
      address2: col.text().nullable(),
      district: col.text(),
      city_id: col.integer(),
      postal_code: col.text().nullable(),
      phone: col.text(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.city`. */
export const BronzeCity = withAudit(
  defineTable({
    name: 'city',
    schema: 'bronze',
    columns: {
      city_id: key(),
      city: col.text(),
      country_id: col.integer(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.country`. */
export const BronzeCountry = withAudit(
  defineTable({
    name: 'country',
    schema: 'bronze',
    columns: {
      country_id: key(),
      country: col.text(),
      last_update: lastUpdate(),
    },
  }),
);

export const customerToBronze = defineTransform({
  from: Customer,
  to: BronzeCustomer,
  columns: 'same',
});

export const addressToBronze = defineTransform({
  from: Address,
  to: BronzeAddress,
  columns: 'same',
});

export const cityToBronze = defineTransform({
  from: City,
  to: BronzeCity,
  columns: 'same',
});

export const countryToBronze = defineTransform({
  from: Country,
  to: BronzeCountry,
  columns: 'same',
});
