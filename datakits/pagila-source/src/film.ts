import { col, defineTable } from '@datakit/contracts';

import { lastUpdate, serialId } from './_columns.ts';

/** The values of pagila's `mpaa_rating` enum type, in declaration order. */
export const MPAA_RATINGS = ['G', 'PG', 'PG-13', 'R', 'NC-17'] as const;

/** `public.film`: the catalogue. */
export const Film = defineTable({
  name: 'film',
  description: 'Films in the catalogue',
  columns: {
    film_id: serialId(),
    title: col.text(),
    description: col.text().nullable(),
    release_year: col.integer({ min: 1901, max: 2155, domain: 'year' }).nullable(),
    language_id: col.integer(),
    original_language_id: col.integer().nullable(),
    rental_duration: col.smallint().describe('Rental period in days'),
    rental_rate: col.numeric(4, 2),
    length: col.smallint().nullable().describe('Running time in minutes'),
    replacement_cost: col.numeric(5, 2),
    rating: col.enum(MPAA_RATINGS, { typeName: 'mpaa_rating' }).nullable(),
    last_update: lastUpdate(),
    special_features: col.array(col.text()).nullable(),
    fulltext: col.custom('tsvector').describe('Maintained by a trigger from title and description'),
  },
});

/** `public.language`. `name` is `character(20)`: PostgreSQL returns it blank-padded. */
export const Language = defineTable({
  name: 'language',
  columns: {
    language_id: serialId(),
    name: col.char(20),
    last_update: lastUpdate(),
  },
});

/** `public.category`. */
export const Category = defineTable({
  name: 'category',
  columns: {
    category_id: serialId(),
    name: col.text(),
    last_update: lastUpdate(),
  },
});

/** `public.film_category`: one category per film (key film_id, category_id). */
export const FilmCategory = defineTable({
  name: 'film_category',
  columns: {
    film_id: col.integer().primaryKey(),
    category_id: col.integer().primaryKey(),
    last_update: lastUpdate(),
  },
});

/** `public.actor`. */
export const Actor = defineTable({
  name: 'actor',
  columns: {
    actor_id: serialId(),
    first_name: col.text(),
    last_name: col.text(),
    last_update: lastUpdate(),
  },
});

/** `public.film_actor`: cast lists (key actor_id, film_id). */
export const FilmActor = defineTable({
  name: 'film_actor',
  columns: {
    actor_id: col.integer().primaryKey(),
    film_id: col.integer().primaryKey(),
    last_update: lastUpdate(),
  },
});
