-- The example source of docs/guide-new-source.md: a small shop whose schema has the shapes a
-- real source brings: mixed-case and reserved-word column names, composite primary keys, jsonb,
-- arrays, an enum and a partitioned table. Run by `npm run infra:add-source` in a new database.
create type order_status as enum ('new', 'paid', 'shipped', 'cancelled');

create table customer (
  "CustomerID" integer primary key,
  "FullName" varchar(80) not null,
  "user" text,
  "order" integer,
  tags text[] not null default '{}',
  profile jsonb,
  updated_at timestamptz not null
);

create table "Order" (
  order_id integer primary key,
  "CustomerID" integer not null references customer ("CustomerID"),
  status order_status not null,
  "Select" boolean,
  placed_at timestamp(3) not null,
  total numeric(12, 2) not null,
  updated_at timestamptz not null
);

create table order_line (
  order_id integer not null references "Order" (order_id),
  line_no smallint not null,
  sku varchar(20) not null,
  qty numeric(10, 3) not null,
  attrs jsonb not null,
  scores integer[],
  primary key (order_id, line_no)
);

create table event (
  id bigint not null,
  occurred_at timestamptz not null,
  "group" text,
  "Kind" varchar(12) not null,
  payload jsonb,
  primary key (id, occurred_at)
) partition by range (occurred_at);
create table event_2025 partition of event for values from ('2025-01-01') to ('2026-01-01');
create table event_2026 partition of event for values from ('2026-01-01') to ('2027-01-01');

insert into customer
select i,
       'Customer ' || i || case when i % 7 = 0 then E' "quoted"\ttab\\slash' else '' end,
       case when i % 5 = 0 then null else 'user_' || i end,
       case when i % 3 = 0 then null else i * 10 end,
       case i % 4
         when 0 then '{}'::text[]
         when 1 then array['vip', 'eu']
         when 2 then array['a,b', 'x"y', null]
         else array['ünïcødé', '{braces}']
       end,
       case when i % 6 = 0 then null
            else jsonb_build_object('n', i, 'nested', jsonb_build_object('ok', i % 2 = 0), 'list', jsonb_build_array(1, 'two', null))
       end,
       timestamptz '2025-06-01 00:00:00+00' + i * interval '37 minutes'
from generate_series(1, 200) as i;

insert into "Order"
select i,
       1 + (i * 7) % 200,
       (array['new', 'paid', 'shipped', 'cancelled']::order_status[])[1 + i % 4],
       case i % 3 when 0 then true when 1 then false else null end,
       timestamp '2025-07-01 10:00:00' + i * interval '1 hour 0.123 seconds',
       round((i * 13.37)::numeric % 1000, 2),
       timestamptz '2025-07-01 00:00:00+00' + i * interval '11 minutes'
from generate_series(1, 500) as i;

insert into order_line
select o, l,
       'SKU-' || lpad(((o * l) % 997)::text, 4, '0'),
       round((o * l / 7.0)::numeric, 3),
       jsonb_build_object('colour', (array['red', 'green', 'blue'])[1 + (o + l) % 3], 'gift', l = 1),
       case when l % 2 = 0 then null else array[o, l, null, -o] end
from generate_series(1, 500) as o, generate_series(1, 1 + o % 4) as l;

insert into event
select i,
       timestamptz '2025-10-01 00:00:00+00' + i * interval '2 hours 17 minutes',
       case when i % 9 = 0 then null else 'g' || (i % 5) end,
       (array['click', 'view', 'Buy'])[1 + i % 3],
       case when i % 4 = 0 then null else jsonb_build_object('i', i, 'path', '/p/' || i, 'ratio', i / 3.0) end
from generate_series(1, 3000) as i;
