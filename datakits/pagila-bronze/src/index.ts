/**
 * The pagila-bronze datakit: bronze copies (schema `bronze`, audit columns, no foreign keys) of
 * the 15 pagila tables, loaded incrementally on `last_update` (`payment_date` for payments).
 */
import type { AnyTable } from '@datakit/contracts';
import {
  Actor,
  Address,
  Category,
  City,
  Country,
  Customer,
  Film,
  FilmActor,
  FilmCategory,
  Inventory,
  Language,
  Payment,
  Rental,
  Staff,
  Store,
} from '@datakit/pagila-source';
import { datakitTable, defineDatakit } from '@datakit/runtime';

import * as c from './customer.ts';
import * as f from './film.ts';
import * as r from './rental.ts';
import * as s from './store.ts';

export {
  BronzeAddress,
  BronzeCity,
  BronzeCountry,
  BronzeCustomer,
  addressToBronze,
  cityToBronze,
  countryToBronze,
  customerToBronze,
} from './customer.ts';
export {
  BronzeActor,
  BronzeCategory,
  BronzeFilm,
  BronzeFilmActor,
  BronzeFilmCategory,
  BronzeLanguage,
  actorToBronze,
  categoryToBronze,
  filmActorToBronze,
  filmCategoryToBronze,
  filmToBronze,
  languageToBronze,
} from './film.ts';
export {
  BronzeInventory,
  BronzePayment,
  BronzeRental,
  inventoryToBronze,
  paymentToBronze,
  rentalToBronze,
} from './rental.ts';
export { BronzeStaff, BronzeStore, staffToBronze, storeToBronze } from './store.ts';

/** Every table of the datakit, parents before children (the source's order). */
const tables = [
  datakitTable({ source: Country, target: c.BronzeCountry, transform: c.countryToBronze }),
  datakitTable({ source: City, target: c.BronzeCity, transform: c.cityToBronze }),
  datakitTable({ source: Address, target: c.BronzeAddress, transform: c.addressToBronze }),
  datakitTable({ source: Language, target: f.BronzeLanguage, transform: f.languageToBronze }),
  datakitTable({ source: Category, target: f.BronzeCategory, transform: f.categoryToBronze }),
  datakitTable({ source: Actor, target: f.BronzeActor, transform: f.actorToBronze }),
  datakitTable({ source: Film, target: f.BronzeFilm, transform: f.filmToBronze }),
  datakitTable({
    source: FilmCategory,
    target: f.BronzeFilmCategory,
    transform: f.filmCategoryToBronze,
  }),
  datakitTable({ source: FilmActor, target: f.BronzeFilmActor, transform: f.filmActorToBronze }),
  datakitTable({ source: Staff, target: s.BronzeStaff, transform: s.staffToBronze }),
  datakitTable({ source: Store, target: s.BronzeStore, transform: s.storeToBronze }),
  // Read in full every run (599 rows): pagila's customer.last_update is nullable, and a row
  // whose cursor is NULL is never seen by an incremental read. Unchanged rows are not written.
  datakitTable({
    source: Customer,
    target: c.BronzeCustomer,
    transform: c.customerToBronze,
    cursor: null,
  }),
  datakitTable({ source: Inventory, target: r.BronzeInventory, transform: r.inventoryToBronze }),
  datakitTable({ source: Rental, target: r.BronzeRental, transform: r.rentalToBronze }),
  datakitTable({ source: Payment, target: r.BronzePayment, transform: r.paymentToBronze }),
];

/** The datakit definition `src/main.ts` runs. Cursors come from the source contracts. */
export const pagilaBronze = defineDatakit({
  name: 'pagila-bronze',
  description:
    'Bronze copies of the 15 pagila tables in schema bronze, merged on their keys, incremental on last_update (payment_date for payment; customer is read in full).',
  tables,
});

/** Every bronze target table, in load order. */
export const pagilaBronzeTables: readonly AnyTable[] = pagilaBronze.tables.map((t) => t.target);
