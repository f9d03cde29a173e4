/**
 * Contracts of a SQL Server sales schema, `[Sales]` in the `Sales` database: customers,
 * products, orders and order lines (composite key), as SQL Server declares them. Column names
 * are SQL Server's PascalCase (`CustomerID`), read by their source names; every table carries
 * a `rowversion`, the database's change counter, which is the incremental cursor.
 */
import { defineTable } from '@datakit/contracts';
import type { AnyTable } from '@datakit/contracts';
import { mssql } from '@datakit/databases';

/** `[Sales].[Customers]`. */
export const Customers = defineTable({
  name: 'customers',
  sourceName: 'Customers',
  schema: 'sales',
  description: 'Customers of the shop',
  columns: {
    customer_id: mssql.int().primaryKey().source('CustomerID'),
    customer_guid: mssql.uniqueidentifier().source('CustomerGuid'),
    name: mssql.nvarchar(100).source('Name'),
    email: mssql.nvarchar(200).nullable().source('Email'),
    // `User` is a reserved word in T-SQL: the adapter brackets every name it sends.
    user_name: mssql.nvarchar(50).nullable().source('User'),
    country_code: mssql.nchar(2).source('CountryCode'),
    created_at: mssql.datetime2(7).source('CreatedAt'),
    row_version: mssql.rowversion().cursor().source('RowVersion'),
  },
});

/** `[Sales].[Products]`. */
export const Products = defineTable({
  name: 'products',
  sourceName: 'Products',
  schema: 'sales',
  description: 'Products on sale',
  columns: {
    product_id: mssql.int().primaryKey().source('ProductID'),
    sku: mssql.varchar(20).source('SKU'),
    name: mssql.nvarchar(200).source('Name'),
    list_price: mssql.money().source('ListPrice'),
    weight_kg: mssql.decimal(9, 3).nullable().source('WeightKg'),
    is_active: mssql.bit().source('IsActive'),
    row_version: mssql.rowversion().cursor().source('RowVersion'),
  },
});

/** `[Sales].[Orders]`: `OrderedAt` keeps the customer's UTC offset. */
export const Orders = defineTable({
  name: 'orders',
  sourceName: 'Orders',
  schema: 'sales',
  description: 'Orders, with the time zone they were placed in',
  columns: {
    order_id: mssql.bigint().primaryKey().source('OrderID'),
    customer_id: mssql.int().source('CustomerID'),
    ordered_at: mssql.datetimeoffset(7).source('OrderedAt'),
    status: mssql.nvarchar(20).source('Status'),
    total: mssql.decimal(19, 4).source('Total'),
    notes: mssql.nvarchar('max').nullable().source('Notes'),
    row_version: mssql.rowversion().cursor().source('RowVersion'),
  },
});

/** `[Sales].[Order Lines]`: one product of one order; key (OrderID, [LineNo]). */
export const OrderLines = defineTable({
  name: 'order_lines',
  sourceName: 'Order Lines',
  schema: 'sales',
  description: 'Lines of an order',
  columns: {
    order_id: mssql.bigint().primaryKey().source('OrderID'),
    line_no: mssql.smallint().primaryKey().source('LineNo'),
    product_id: mssql.int().source('ProductID'),
    quantity: mssql.decimal(12, 3).source('Quantity'),
    unit_price: mssql.money().source('UnitPrice'),
    discount: mssql.decimal(5, 4).source('Discount'),
    row_version: mssql.rowversion().cursor().source('RowVersion'),
  },
});

/** Every table of the sales schema, parents first. */
export const salesSourceTables = [
  Customers,
  Products,
  Orders,
  OrderLines,
] as const satisfies readonly AnyTable[];
