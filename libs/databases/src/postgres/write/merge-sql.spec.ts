import { col, defineTable, withAudit } from '@datakit/contracts';
import { describe, expect, it } from 'vitest';

import { keyedMergeSql, mergeStatementFor } from './merge-sql.ts';

const RUN = '00000000-0000-4000-8000-00000000000a';
const Item = withAudit(
  defineTable({
    name: 'item_list',
    schema: 'bronze',
    columns: {
      item_id: col.integer().primaryKey(),
      doc: col.json().nullable(),
      select: col.text(),
    },
  }),
);

describe('mergeStatementFor', () => {
  it('takes MERGE from PostgreSQL 15 on and the upsert before', () => {
    expect(mergeStatementFor(150_000)).toBe('merge');
    expect(mergeStatementFor(170_002)).toBe('merge');
    expect(mergeStatementFor(140_011)).toBe('upsert');
    expect(mergeStatementFor(0)).toBe('upsert');
  });
});

describe('keyedMergeSql', () => {
  it('MERGEs on the key, updating only a row whose data differ, json compared by its text', () => {
    expect(keyedMergeSql({ table: Item, schema: 'dst', runId: RUN, statement: 'merge' })).toBe(
      'MERGE INTO "dst"."item_list" AS t USING "_datakit_stage" AS s ON t."item_id" = s."item_id"' +
        ' WHEN MATCHED AND (t."doc"::text, t."select") IS DISTINCT FROM (s."doc"::text, s."select")' +
        ` THEN UPDATE SET "doc" = s."doc", "select" = s."select", "_run_id" = '${RUN}'::uuid, "_loaded_at" = now(), "_updated_at" = now()` +
        ' WHEN NOT MATCHED THEN INSERT ("item_id", "doc", "select", "_run_id", "_loaded_at", "_created_at", "_updated_at")' +
        ` VALUES (s."item_id", s."doc", s."select", '${RUN}'::uuid, now(), now(), now())`,
    );
  });

  it('writes the same change as INSERT … ON CONFLICT before PostgreSQL 15', () => {
    expect(keyedMergeSql({ table: Item, schema: 'dst', runId: RUN, statement: 'upsert' })).toBe(
      'INSERT INTO "dst"."item_list" AS t ("item_id", "doc", "select", "_run_id", "_loaded_at", "_created_at", "_updated_at")' +
        ` SELECT "item_id", "doc", "select", '${RUN}'::uuid, now(), now(), now() FROM "_datakit_stage"` +
        ` ON CONFLICT ("item_id") DO UPDATE SET "doc" = EXCLUDED."doc", "select" = EXCLUDED."select", "_run_id" = '${RUN}'::uuid, "_loaded_at" = now(), "_updated_at" = now()` +
        ' WHERE (t."doc"::text, t."select") IS DISTINCT FROM (EXCLUDED."doc"::text, EXCLUDED."select")',
    );
  });

  it('joins on every column of a composite key and sets no audit column on a plain table', () => {
    const Pair = defineTable({
      name: 'pair',
      columns: {
        a: col.integer().primaryKey(),
        b: col.text().primaryKey(),
        n: col.double(),
      },
    });
    const sql = keyedMergeSql({ table: Pair, schema: 's', runId: RUN, statement: 'merge' });
    expect(sql).toContain('ON t."a" = s."a" AND t."b" = s."b" WHEN MATCHED');
    expect(sql).toContain('IS DISTINCT FROM (s."n"::text) THEN UPDATE SET "n" = s."n" WHEN');
    expect(sql).not.toContain('_run_id');
  });

  it('only inserts missing keys into a table whose columns are all key columns', () => {
    const Tag = defineTable({ name: 'tag', columns: { tag: col.text().primaryKey() } });
    for (const statement of ['merge', 'upsert'] as const) {
      expect(keyedMergeSql({ table: Tag, schema: 's', runId: RUN, statement })).toBe(
        'INSERT INTO "s"."tag" AS t ("tag") SELECT "tag" FROM "_datakit_stage" ON CONFLICT ("tag") DO NOTHING',
      );
    }
  });
});
