import { describe, expect, it } from 'vitest';

import { BronzeFilm, Film } from './_test-tables.ts';
import { describeTable } from './describe-table.ts';

describe('describeTable', () => {
  it('survives a JSON round trip unchanged', () => {
    const spec = describeTable(Film);

    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('lists columns in declaration order with their metadata', () => {
    const spec = describeTable(Film);

    expect(spec.columns.map((c) => c.name)).toEqual(Object.keys(Film.columns));
    expect(spec.columns.find((c) => c.name === 'special_features')).toEqual({
      name: 'special_features',
      sourceName: 'special_features',
      kind: 'array',
      sqlType: 'text[]',
      nullable: true,
      primaryKey: false,
      cursor: false,
      element: { kind: 'text', sqlType: 'text', nullable: false },
    });
  });

  it('describes an audited bronze table', () => {
    expect(describeTable(BronzeFilm)).toMatchInlineSnapshot(`
      {
        "audited": true,
        "columns": [
          {
            "cursor": false,
            "kind": "integer",
            "name": "film_id",
            "nullable": false,
            "primaryKey": true,
            "sourceName": "film_id",
            "sqlType": "integer",
          },
          {
            "cursor": false,
            "kind": "varchar",
            "maxLength": 40,
            "name": "title",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "title",
            "sqlType": "varchar(40)",
          },
          {
            "cursor": false,
            "kind": "numeric",
            "name": "rental_rate",
            "nullable": false,
            "precision": 4,
            "primaryKey": false,
            "scale": 2,
            "sourceName": "rental_rate",
            "sqlType": "numeric(4,2)",
          },
          {
            "cursor": false,
            "kind": "enum",
            "name": "rating",
            "nullable": true,
            "primaryKey": false,
            "sourceName": "rating",
            "sqlType": "text",
            "values": [
              "G",
              "PG",
              "PG-13",
              "R",
              "NC-17",
            ],
          },
          {
            "cursor": true,
            "kind": "timestamptz",
            "name": "last_update",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "last_update",
            "sqlType": "timestamp with time zone",
          },
          {
            "cursor": false,
            "description": "Run that last wrote this row",
            "kind": "uuid",
            "name": "_run_id",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "_run_id",
            "sqlType": "uuid",
          },
          {
            "cursor": false,
            "description": "When the last run wrote this row",
            "kind": "timestamptz",
            "name": "_loaded_at",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "_loaded_at",
            "sqlType": "timestamp with time zone",
          },
          {
            "cursor": false,
            "description": "When this key was first loaded",
            "kind": "timestamptz",
            "name": "_created_at",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "_created_at",
            "sqlType": "timestamp with time zone",
          },
          {
            "cursor": false,
            "description": "When a load last changed this row",
            "kind": "timestamptz",
            "name": "_updated_at",
            "nullable": false,
            "primaryKey": false,
            "sourceName": "_updated_at",
            "sqlType": "timestamp with time zone",
          },
        ],
        "cursor": "last_update",
        "name": "film",
        "primaryKey": [
          "film_id",
        ],
        "schema": "bronze",
      }
    `);
  });
});
