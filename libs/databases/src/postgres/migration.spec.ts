import {
  col,
  defineTable,
  describeTable,
  diffContracts,
  type DiffableSpec,
} from '@datakit/contracts';
import type { ColumnBuilders } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { formatMigration, migrationSteps } from './migration.ts';

const film = (columns: ColumnBuilders, name = 'film'): DiffableSpec => ({
  contracts: [
    describeTable(defineTable({ name: 'film', schema: 'src', columns })),
    describeTable(defineTable({ name, schema: 'bronze', columns })),
  ],
  transforms: [{ name: 'film', source: 'src.film', target: `bronze.${name}` }],
});
const id = () => col.integer().primaryKey();
const sqlOf = (from: DiffableSpec, to: DiffableSpec) =>
  migrationSteps(diffContracts(from, to), from, to).flatMap((s) => s.sql);

describe('migrationSteps', () => {
  it('needs no DDL between equal versions', () => {
    const a = film({ film_id: id(), title: col.text() });
    expect(migrationSteps(diffContracts(a, a), a, a)).toEqual([]);
    expect(formatMigration([])).toBe('-- no DDL is needed');
  });

  it('keeps a removed column, nullable, and leaves its DROP commented', () => {
    const a = film({ film_id: id(), rating: col.text() });
    const b = film({ film_id: id() });
    expect(sqlOf(a, b)).toEqual([
      'ALTER TABLE "bronze"."film" ALTER COLUMN "rating" DROP NOT NULL;',
      '-- the column is no longer loaded; drop it when nothing reads it (its data is lost):',
      '-- ALTER TABLE "bronze"."film" DROP COLUMN "rating";',
    ]);
  });

  it('adds columns, a required one in three steps', () => {
    const a = film({ film_id: id() });
    const b = film({ film_id: id(), note: col.text().nullable(), length: col.smallint() });
    expect(sqlOf(a, b)).toEqual([
      'ALTER TABLE "bronze"."film" ADD COLUMN IF NOT EXISTS "length" smallint;',
      '-- fill length for the rows already loaded (UPDATE "bronze"."film" SET "length" = ...), then:',
      'ALTER TABLE "bronze"."film" ALTER COLUMN "length" SET NOT NULL;',
      'ALTER TABLE "bronze"."film" ADD COLUMN IF NOT EXISTS "note" text;',
    ]);
  });

  it('changes types with USING, keys, nullability and forgets a changed cursor', () => {
    const a = film({ film_id: id(), code: col.varchar(10), at: col.timestamptz().cursor() });
    const b = film({
      film_id: col.integer(),
      code: col.integer().primaryKey(),
      at: col.timestamptz().nullable(),
    });
    expect(sqlOf(a, b)).toEqual([
      'ALTER TABLE "bronze"."film" DROP CONSTRAINT IF EXISTS "film_pkey";',
      'ALTER TABLE "bronze"."film" ADD PRIMARY KEY ("code");',
      `DELETE FROM "_datakit".cursors WHERE target_table = 'bronze.film';`,
      'ALTER TABLE "bronze"."film" ALTER COLUMN "at" DROP NOT NULL;',
      'ALTER TABLE "bronze"."film" ALTER COLUMN "code" TYPE integer USING "code"::integer;',
    ]);
  });

  it('renames a moved target and drops nothing of the source side', () => {
    const a = film({ film_id: id() });
    const b = film({ film_id: id() }, 'films');
    expect(sqlOf(a, b)).toEqual([
      'ALTER TABLE "bronze"."film" RENAME TO "films";',
      `DELETE FROM "_datakit".cursors WHERE target_table = 'bronze.film';`,
    ]);
  });

  it('creates a named enum type in the target schema before a column takes it', () => {
    const a = film({ film_id: id(), rating: col.text() });
    const b = film({ film_id: id(), rating: col.enum(['G', 'PG'], { typeName: 'mpaa' }) });
    const sql = sqlOf(a, b);
    expect(sql[0]).toContain(`CREATE TYPE "bronze"."mpaa" AS ENUM ('G', 'PG')`);
    expect(sql[1]).toBe(
      'ALTER TABLE "bronze"."film" ALTER COLUMN "rating" TYPE "bronze"."mpaa" USING "rating"::"bronze"."mpaa";',
    );
  });
});
