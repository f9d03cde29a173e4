// The wide table of bench:load (issue 12 item 7): its source (made by WIDE_SOURCE_SQL), an
// audited bronze copy and the identity transform, as a one-table datakit the bench bundles
// (`_wide-main.ts`) and runs as an image would, its transform a projection or a map. A tool may not import a datakit: it declares
// its own.
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import { datakitTable, defineDatakit } from '@datakit/runtime';

const columns = {
  id: col.integer().primaryKey(),
  amount: col.numeric(12, 2),
  day: col.date(),
  at: col.timestamptz().nullable(),
  doc: col.jsonb(),
  raw: col.json().nullable(),
  tags: col.array(col.text().nullable()).nullable(),
  code: col.char(3),
  ref: col.uuid(),
  blob: col.bytea().nullable(),
  span: col.interval(),
  note: col.text().nullable(),
};

/** The source: `wide` in the bench's source schema. */
export const Wide = defineTable({ name: 'wide', schema: 'bench_load', columns });

/** Its bronze copy (the config's target schema). */
export const BronzeWide = withAudit(defineTable({ name: 'wide', schema: 'bronze', columns }));

/** The bronze copy as a projection: the loader passes the values through undecoded. */
export const wideToBronze = defineTransform({ from: Wide, to: BronzeWide, columns: 'same' });

/** The same copy as a function of the row: every value decoded, validated and re-checked. */
export const wideToBronzeByMap = defineTransform({
  from: Wide,
  to: BronzeWide,
  map: (row) => ({
    id: row.id,
    amount: row.amount,
    day: row.day,
    at: row.at,
    doc: row.doc,
    raw: row.raw,
    tags: row.tags,
    code: row.code,
    ref: row.ref,
    blob: row.blob,
    span: row.span,
    note: row.note,
  }),
});

/**
 * Read in full every run (no cursor), merged on `id`; with `BENCH_WIDE_TRANSFORM=map` in the
 * environment the transform is the map (the bench's (w-b-map) leg), else the projection.
 */
export const benchWide = (env: Readonly<Record<string, string | undefined>>) =>
  defineDatakit({
    name: 'bench-wide',
    description: 'bench:load: the 1,000,000-row wide table, merged on id',
    tables: [
      datakitTable({
        source: Wide,
        target: BronzeWide,
        transform: env.BENCH_WIDE_TRANSFORM === 'map' ? wideToBronzeByMap : wideToBronze,
        cursor: null,
      }),
    ],
  });

/** The wide source's column list (the raw pipes and pgloader copy these). */
export const WIDE_COLUMNS = Object.keys(columns).join(', ');

/** The wide table's DDL, without schema (the source's, the raw targets'). */
export const WIDE_DDL = `(id integer not null, amount numeric(12,2) not null, day date not null,
  at timestamptz, doc jsonb not null, raw json, tags text[], code char(3) not null,
  ref uuid not null, blob bytea, span interval not null, note text)`;

/** Fills `<schema>.wide` with `n` rows: every type above, some NULLs, microseconds. */
export const wideRowsSql = (schema: string, n: number): string =>
  `insert into ${schema}.wide
   select g, ((g::bigint * 7919) % 100000000) / 100.0, date '2000-01-01' + g % 9000,
     case when g % 13 = 0 then null
          else timestamptz '2020-01-01 00:00:00+00' + g * interval '1.234567 second' end,
     jsonb_build_object('id', g, 'name', 'item ' || g, 'tags', jsonb_build_array('a', g % 7),
                        'price', (g % 1000) / 10.0),
     case when g % 10 = 0 then null else json_build_object('k', g, 'v', md5(g::text)) end,
     case when g % 7 = 0 then null else array['t' || g % 5, 'x' || g % 3, null] end,
     upper(substr(md5(g::text), 1, 3)), md5(g::text)::uuid,
     case when g % 5 = 0 then null else decode(md5(g::text), 'hex') end,
     make_interval(days => g % 30, secs => g % 3600),
     case when g % 3 = 0 then null else 'note ' || g end
   from generate_series(1, ${n}) g`;
