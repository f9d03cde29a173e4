/**
 * Contracts of the Pagila sample database (PostgreSQL), reverse-engineered from its schema
 * (`src/__fixtures__/pagila/pagila-schema.sql`, checked by `pagila-schema.spec.ts`).
 */
import type { AnyTable } from '@datakit/contracts';

import { Address, City, Country, Customer } from './customer.ts';
import { Actor, Category, Film, FilmActor, FilmCategory, Language } from './film.ts';
import { Inventory, Payment, Rental } from './rental.ts';
import { Staff, Store } from './store.ts';

export { Address, City, Country, Customer } from './customer.ts';
export { Actor, Category, Film, FilmActor, FilmCategory, Language, MPAA_RATINGS } from './film.ts';
export { Inventory, Payment, Rental } from './rental.ts';
export { Staff, Store } from './store.ts';

/** Every source table of the pagila datakit, parents before the tables that refer to them. */
export const pagilaSourceTables = [
  Country,
  City,
  Address,
  Language,
  Category,
  Actor,
  Film,
  FilmCategory,
  FilmActor,
  Staff,
  Store,
  Customer,
  Inventory,
  Rental,
  Payment,
] as const satisfies readonly AnyTable[];
