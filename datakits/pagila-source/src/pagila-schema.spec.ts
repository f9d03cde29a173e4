import { readFileSync } from 'node:fs';

import type { AnyTable, Column } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { Film, pagilaSourceTables } from './index.ts';

// Checks every contract against pagila's published schema (pg_dump output), so a typo in a
// type, a nullability or a key shows here and not at the first run against a real database.
const schemaSql = readFileSync(
  new URL('./__fixtures__/pagila/pagila-schema.sql', import.meta.url),
  'utf8',
);

/** A column as `CREATE TABLE` declares it. */
interface SqlColumn {
  name: string;
  sqlType: string;
  nullable: boolean;
}

function createTable(name: string): { columns: SqlColumn[]; primaryKey: string[] } {
  const block = new RegExp(`^CREATE TABLE public\\.${name} \\(\\n([\\s\\S]*?)\\n\\)`, 'm').exec(
    schemaSql,
  );
  if (!block?.[1]) throw new Error(`CREATE TABLE public.${name} not found in the schema file`);
  const columns: SqlColumn[] = [];
  let primaryKey: string[] = [];
  for (const line of block[1].split('\n').map((l) => l.trim().replace(/,$/, ''))) {
    const inlineKey = /^PRIMARY KEY \((.+)\)$/.exec(line);
    if (inlineKey?.[1]) {
      primaryKey = inlineKey[1].split(', ');
      continue;
    }
    const [, column, rest] = /^(\w+) (.+)$/.exec(line) ?? [];
    if (!column || !rest) throw new Error(`cannot read column line "${line}" of ${name}`);
    columns.push({
      name: column,
      sqlType: rest.replace(/ DEFAULT .*$/, '').replace(/ NOT NULL$/, ''),
      nullable: !rest.endsWith('NOT NULL'),
    });
  }
  const constraint = new RegExp(
    `^ALTER TABLE ONLY public\\.${name}\\n\\s+ADD CONSTRAINT \\w+ PRIMARY KEY \\((.+)\\);`,
    'm',
  ).exec(schemaSql);
  if (constraint?.[1]) primaryKey = constraint[1].split(', ');
  return { columns, primaryKey };
}

/** The SQL type a contract column stands for, spelled as pg_dump spells it. */
function dumpedType(column: Column): string {
  if (column.domain !== undefined) return `public.${column.domain}`;
  if (column.kind === 'enum' && column.sqlType !== 'text') return `public.${column.sqlType}`;
  if (column.kind === 'char') return `character(${column.maxLength})`;
  if (column.kind === 'varchar') return `character varying(${column.maxLength})`;
  return column.sqlType;
}

describe.each(pagilaSourceTables.map((table) => [table.name, table as AnyTable] as const))(
  'the %s contract',
  (name, table) => {
    const sql = createTable(name);
    const columns = Object.values(table.columns) as Column[];

    it('has the columns of the schema file, in the same order', () => {
      expect(columns.map((c) => c.sourceName)).toEqual(sql.columns.map((c) => c.name));
    });

    it('has the SQL types of the schema file', () => {
      expect(columns.map((c) => [c.sourceName, dumpedType(c)])).toEqual(
        sql.columns.map((c) => [c.name, c.sqlType]),
      );
    });

    it('has the nullability of the schema file', () => {
      expect(columns.map((c) => [c.sourceName, c.nullable])).toEqual(
        sql.columns.map((c) => [c.name, c.nullable]),
      );
    });

    it('has the primary key of the schema file', () => {
      expect([...table.primaryKey].sort()).toEqual([...sql.primaryKey].sort());
    });
  },
);

describe('pagila enum and domain types', () => {
  it('lists the mpaa_rating values of the schema file', () => {
    const values = /CREATE TYPE public\.mpaa_rating AS ENUM \(([^)]*)\)/.exec(schemaSql)?.[1];
    expect(Film.columns.rating.values).toEqual(
      values?.match(/'[^']+'/g)?.map((v) => v.slice(1, -1)),
    );
  });

  it('bounds release_year like the year domain', () => {
    const check =
      /CREATE DOMAIN public\.year AS integer\s+CONSTRAINT year_check CHECK \(\(\(VALUE >= (\d+)\) AND \(VALUE <= (\d+)\)\)\)/.exec(
        schemaSql,
      );
    expect([Film.columns.release_year.min, Film.columns.release_year.max]).toEqual([
      Number(check?.[1]),
      Number(check?.[2]),
    ]);
  });
});
