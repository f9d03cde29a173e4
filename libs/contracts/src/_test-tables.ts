// Contracts shared by this library's specs. Not exported from the package.
import { withAudit } from './audit.ts';
import { col } from './column.ts';
import { defineTable } from './table.ts';

/** A source table using every column kind. */
export const Film = defineTable({
  name: 'film',
  description: 'Films in the catalogue',
  columns: {
    film_id: col.integer().primaryKey(),
    title: col.varchar(40),
    code: col.char(5),
    description: col.text().nullable(),
    release_year: col.integer({ min: 1901, max: 2155, domain: 'year' }).nullable(),
    length: col.smallint().nullable(),
    views: col.bigint(),
    rental_rate: col.numeric(4, 2),
    rating: col.enum(['G', 'PG', 'PG-13', 'R', 'NC-17'], { typeName: 'mpaa_rating' }).nullable(),
    special_features: col.array(col.text()).nullable(),
    fulltext: col.custom('tsvector'),
    poster: col.bytea().nullable(),
    extra: col.jsonb(),
    released_on: col.date(),
    in_stock: col.boolean().source('is_in_stock'),
    last_seen: col.timestamp(),
    last_update: col.timestamptz().cursor(),
    external_id: col.uuid(),
  },
});

/** A bronze target with the audit columns. */
export const BronzeFilm = withAudit(
  defineTable({
    name: 'film',
    schema: 'bronze',
    columns: {
      film_id: col.integer().primaryKey(),
      title: col.varchar(40),
      rental_rate: col.numeric(4, 2),
      rating: col.enum(['G', 'PG', 'PG-13', 'R', 'NC-17']).nullable(),
      last_update: col.timestamptz().cursor(),
    },
  }),
);
