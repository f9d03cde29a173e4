import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import {
  Actor,
  Category,
  Film,
  FilmActor,
  FilmCategory,
  Language,
  MPAA_RATINGS,
} from '@datakit/pagila-source';

import { key, lastUpdate } from './_columns.ts';

/**
 * `bronze.film`. Differences from the source: `rating` is `text` restricted to the MPAA values
 * (the warehouse has no `mpaa_rating` type), `release_year` a plain `integer` with the year
 * domain's bounds, and `fulltext` (a tsvector the source derives from title and description)
 * is not copied.
 */
export const BronzeFilm = withAudit(
  defineTable({
    name: 'film',
    schema: 'bronze',
    description: 'Films in the catalogue, without the derived fulltext vector',
    columns: {
      film_id: key(),
      title: col.text(),
      description: col.text().nullable(),
      release_year: col.integer({ min: 1901, max: 2155 }).nullable(),
      language_id: col.integer(),
      original_language_id: col.integer().nullable(),
      rental_duration: col.smallint(),
      rental_rate: col.numeric(4, 2),
      length: col.smallint().nullable(),
      replacement_cost: col.numeric(5, 2),
      rating: col.enum(MPAA_RATINGS).nullable(),
      last_update: lastUpdate(),
      special_features: col.array(col.text()).nullable(),
    },
  }),
);

/** `bronze.language`. `name` is `text` without the source's `character(20)` blank padding. */
export const BronzeLanguage = withAudit(
  defineTable({
    name: 'language',
    schema: 'bronze',
    columns: {
      language_id: key(),
      name: col.text(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.category`. */
export const BronzeCategory = withAudit(
  defineTable({
    name: 'category',
    schema: 'bronze',
    columns: {
      category_id: key(),
      name: col.text(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.film_category` (key film_id, category_id). */
export const BronzeFilmCategory = withAudit(
  defineTable({
    name: 'film_category',
    schema: 'bronze',
    columns: {
      film_id: key(),
      category_id: key(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.actor`. */
export const BronzeActor = withAudit(
  defineTable({
    name: 'actor',
    schema: 'bronze',
    columns: {
      actor_id: key(),
      first_name: col.text(),
      last_name: col.text(),
      last_update: lastUpdate(),
    },
  }),
);

/** `bronze.film_actor` (key actor_id, film_id). */
export const BronzeFilmActor = withAudit(
  defineTable({
    name: 'film_actor',
    schema: 'bronze',
    columns: {
      actor_id: key(),
      film_id: key(),
      last_update: lastUpdate(),
    },
  }),
);

export const filmToBronze = defineTransform({
  from: Film,
  to: BronzeFilm,
  columns: 'same',
});

export const languageToBronze = defineTransform({
  from: Language,
  to: BronzeLanguage,
  map: (row) => ({
    language_id: row.language_id,
    // character(20) comes blank-padded; the padding is storage, not data.
    name: row.name.trimEnd(),
    last_update: row.last_update,
  }),
});

export const categoryToBronze = defineTransform({
  from: Category,
  to: BronzeCategory,
  columns: 'same',
});

export const filmCategoryToBronze = defineTransform({
  from: FilmCategory,
  to: BronzeFilmCategory,
  columns: 'same',
});

export const actorToBronze = defineTransform({
  from: Actor,
  to: BronzeActor,
  columns: 'same',
});

export const filmActorToBronze = defineTransform({
  from: FilmActor,
  to: BronzeFilmActor,
  columns: 'same',
});
