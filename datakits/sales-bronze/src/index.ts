/**
 * The sales-bronze datakit: the SQL Server sales tables (`@datakit/sales-source`) copied into
 * the PostgreSQL warehouse, schema `sales_bronze`, with the audit columns, merged on their keys
 * and loaded incrementally on each table's `rowversion`.
 *
 * Types: nvarchar/varchar become varchar of the same length in characters (nvarchar(max):
 * text), decimal and money numeric of the same precision and scale (money is numeric(19,4)),
 * bit boolean, uniqueidentifier uuid, datetime2 timestamp (microseconds: a value with a
 * non-zero 100 ns digit is rejected, never rounded), datetimeoffset timestamptz (the instant,
 * to the microsecond; PostgreSQL keeps no offset), rowversion bigint.
 */
import { col, defineTable, defineTransform, withAudit } from '@datakit/contracts';
import type { AnyTable } from '@datakit/contracts';
import { datakitTable, defineDatakit } from '@datakit/runtime';
import { Customers, OrderLines, Orders, Products } from '@datakit/sales-source';

const SCHEMA = 'sales_bronze';

/** `sales_bronze.customers`. */
export const BronzeCustomers = withAudit(
  defineTable({
    name: 'customers',
    schema: SCHEMA,
    columns: {
      customer_id: col.integer().primaryKey(),
      customer_guid: col.uuid(),
      name: col.varchar(100),
      email: col.varchar(200).nullable(),
      user_name: col.varchar(50).nullable(),
      country_code: col.char(2),
      created_at: col.timestamp(),
      row_version: col.bigint(),
    },
  }),
);

/** `sales_bronze.products`. */
export const BronzeProducts = withAudit(
  defineTable({
    name: 'products',
    schema: SCHEMA,
    columns: {
      product_id: col.integer().primaryKey(),
      sku: col.varchar(20),
      name: col.varchar(200),
      list_price: col.numeric(19, 4),
      weight_kg: col.numeric(9, 3).nullable(),
      is_active: col.boolean(),
      row_version: col.bigint(),
    },
  }),
);

/** `sales_bronze.orders`: `ordered_at` is the instant the order was placed. */
export const BronzeOrders = withAudit(
  defineTable({
    name: 'orders',
    schema: SCHEMA,
    columns: {
      order_id: col.bigint().primaryKey(),
      customer_id: col.integer(),
      ordered_at: col.timestamptz(),
      status: col.varchar(20),
      total: col.numeric(19, 4),
      notes: col.text().nullable(),
      row_version: col.bigint(),
    },
  }),
);

/** `sales_bronze.order_lines`, key (order_id, line_no). */
export const BronzeOrderLines = withAudit(
  defineTable({
    name: 'order_lines',
    schema: SCHEMA,
    columns: {
      order_id: col.bigint().primaryKey(),
      line_no: col.smallint().primaryKey(),
      product_id: col.integer(),
      quantity: col.numeric(12, 3),
      unit_price: col.numeric(19, 4),
      discount: col.numeric(5, 4),
      row_version: col.bigint(),
    },
  }),
);

/** Identity transforms: every value passes through as SQL Server gave it, exactly. */
export const customersToBronze = defineTransform({
  from: Customers,
  to: BronzeCustomers,
  columns: 'same',
});
export const productsToBronze = defineTransform({
  from: Products,
  to: BronzeProducts,
  columns: 'same',
});
export const ordersToBronze = defineTransform({
  from: Orders,
  to: BronzeOrders,
  columns: 'same',
});
export const orderLinesToBronze = defineTransform({
  from: OrderLines,
  to: BronzeOrderLines,
  columns: 'same',
});

/** The datakit definition `src/main.ts` runs; cursors (rowversion) come from the contracts. */
export const salesBronze = defineDatakit({
  name: 'sales-bronze',
  description:
    'Bronze copies of the SQL Server sales tables in schema sales_bronze, merged on their keys, incremental on rowversion.',
  tables: [
    datakitTable({ source: Customers, target: BronzeCustomers, transform: customersToBronze }),
    datakitTable({ source: Products, target: BronzeProducts, transform: productsToBronze }),
    datakitTable({ source: Orders, target: BronzeOrders, transform: ordersToBronze }),
    datakitTable({ source: OrderLines, target: BronzeOrderLines, transform: orderLinesToBronze }),
  ],
});

/** Every bronze target table, in load order. */
export const salesBronzeTables: readonly AnyTable[] = salesBronze.tables.map((t) => t.target);
