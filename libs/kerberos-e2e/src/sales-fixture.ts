/**
 * The SQL Server `Sales` database of the sales end-to-end test, as the TDS test server serves
 * it through the engine stand-in (`@datakit/databases/testing`): the four tables of
 * `@datakit/sales-source` declared as their CREATE TABLE would, rows with edge values of every
 * type the contracts use, and for each value the text PostgreSQL prints for it once
 * sales-bronze has loaded it (session TimeZone UTC). The test compares the warehouse with these
 * texts, so a value changed anywhere on the way (driver, conversion, COPY) fails it.
 */
import type { Fixture, FixtureColumn, FixtureTable } from '@datakit/databases/testing';
import type { TdsRow } from '@datakit/tds-server';

/** A stored value (as the TDS server takes it) and the warehouse's text for it. */
type Cell = readonly [stored: TdsRow[number], warehouse: string | null];

/** One table: its declaration, the bronze table it lands in, and its rows by key. */
export interface SalesTable {
  declaration: Omit<FixtureTable, 'rows'>;
  /** `sales_bronze.<name>`. */
  target: string;
  /** Target column names, in the source columns' order. */
  targetColumns: readonly string[];
  rows: Cell[][];
}

const c = (stored: TdsRow[number], warehouse: string | null): Cell => [stored, warehouse];
const column = (name: string, type: string, nullable = false): FixtureColumn => ({
  name,
  type,
  nullable,
});
/** Every rowversion in the fixture is unique, as the database's counter makes them. */
const rv = (n: number): Cell => c(BigInt(n), String(n));

export function salesTables(): Record<
  'customers' | 'products' | 'orders' | 'orderLines',
  SalesTable
> {
  return {
    customers: {
      declaration: {
        schema: 'Sales',
        name: 'Customers',
        columns: [
          column('CustomerID', 'int'),
          column('CustomerGuid', 'uniqueidentifier'),
          column('Name', 'nvarchar(100)'),
          column('Email', 'nvarchar(200)', true),
          column('User', 'nvarchar(50)', true),
          column('CountryCode', 'nchar(2)'),
          column('CreatedAt', 'datetime2(7)'),
          column('RowVersion', 'rowversion'),
        ],
        primaryKey: ['CustomerID'],
      },
      target: 'sales_bronze.customers',
      targetColumns: [
        'customer_id',
        'customer_guid',
        'name',
        'email',
        'user_name',
        'country_code',
        'created_at',
        'row_version',
      ],
      rows: [
        [
          c(1, '1'),
          // SQL Server's documentation example: version nibble D, not an RFC 9562 version.
          c('6F9619FF-8B86-D011-B42D-00C04FC964FF', '6f9619ff-8b86-d011-b42d-00c04fc964ff'),
          c('Zoë O’Brien; {x} 🎉', 'Zoë O’Brien; {x} 🎉'),
          c('zoe@example.test', 'zoe@example.test'),
          c('DOMAIN\\zoe', 'DOMAIN\\zoe'),
          c('DE', 'DE'),
          c('2024-02-29 23:59:59.1234560', '2024-02-29 23:59:59.123456'),
          rv(1001),
        ],
        [
          c(2, '2'),
          c('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'),
          c('世界', '世界'),
          c(null, null),
          c(null, null),
          c('N', 'N '),
          c('0001-01-01 00:00:00', '0001-01-01 00:00:00'),
          rv(1002),
        ],
        [
          c(2147483647, '2147483647'),
          c('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
          c(
            "tab\there, quote ', backslash \\ and\nnewline",
            "tab\there, quote ', backslash \\ and\nnewline",
          ),
          c('', ''),
          c('select', 'select'),
          c('ÅÄ', 'ÅÄ'),
          c('9999-12-31 23:59:59.9999990', '9999-12-31 23:59:59.999999'),
          rv(1003),
        ],
      ],
    },
    products: {
      declaration: {
        schema: 'Sales',
        name: 'Products',
        columns: [
          column('ProductID', 'int'),
          column('SKU', 'varchar(20)'),
          column('Name', 'nvarchar(200)'),
          column('ListPrice', 'money'),
          column('WeightKg', 'decimal(9,3)', true),
          column('IsActive', 'bit'),
          column('RowVersion', 'rowversion'),
        ],
        primaryKey: ['ProductID'],
      },
      target: 'sales_bronze.products',
      targetColumns: [
        'product_id',
        'sku',
        'name',
        'list_price',
        'weight_kg',
        'is_active',
        'row_version',
      ],
      rows: [
        [
          c(10, '10'),
          c('SKU-0010', 'SKU-0010'),
          c('Kettle, 1.7 l', 'Kettle, 1.7 l'),
          c('922337203685477.5807', '922337203685477.5807'),
          c('1.5', '1.500'),
          c(true, 't'),
          rv(2001),
        ],
        [
          c(11, '11'),
          c('SKU-0011', 'SKU-0011'),
          c('Gift card', 'Gift card'),
          c('-922337203685477.5808', '-922337203685477.5808'),
          c(null, null),
          c(false, 'f'),
          rv(2002),
        ],
        [
          c(12, '12'),
          c('', ''),
          c('Sample (free)', 'Sample (free)'),
          c('0.0001', '0.0001'),
          c('999999.999', '999999.999'),
          c(true, 't'),
          rv(2003),
        ],
      ],
    },
    orders: {
      declaration: {
        schema: 'Sales',
        name: 'Orders',
        columns: [
          column('OrderID', 'bigint'),
          column('CustomerID', 'int'),
          column('OrderedAt', 'datetimeoffset(7)'),
          column('Status', 'nvarchar(20)'),
          column('Total', 'decimal(19,4)'),
          column('Notes', 'nvarchar(max)', true),
          column('RowVersion', 'rowversion'),
        ],
        primaryKey: ['OrderID'],
      },
      target: 'sales_bronze.orders',
      targetColumns: [
        'order_id',
        'customer_id',
        'ordered_at',
        'status',
        'total',
        'notes',
        'row_version',
      ],
      rows: [
        [
          c(2, '2'),
          c(2, '2'),
          c('2024-12-31 23:30:00 -08:00', '2025-01-01 07:30:00+00'),
          c('open', 'open'),
          c('-0.0001', '-0.0001'),
          c(null, null),
          rv(3002),
        ],
        [
          c(9007199254740993n, '9007199254740993'),
          c(1, '1'),
          c('2024-01-02 03:04:05.1234560 +05:30', '2024-01-01 21:34:05.123456+00'),
          c('shipped', 'shipped'),
          c('123456789012345.6789', '123456789012345.6789'),
          // Longer than a TDS packet: sent as several PLP chunks.
          c('n'.repeat(70_000), 'n'.repeat(70_000)),
          rv(3001),
        ],
      ],
    },
    orderLines: {
      declaration: {
        schema: 'Sales',
        name: 'Order Lines',
        columns: [
          column('OrderID', 'bigint'),
          column('LineNo', 'smallint'),
          column('ProductID', 'int'),
          column('Quantity', 'decimal(12,3)'),
          column('UnitPrice', 'money'),
          column('Discount', 'decimal(5,4)'),
          column('RowVersion', 'rowversion'),
        ],
        // The key's order is the contract's (OrderID, LineNo).
        primaryKey: ['OrderID', 'LineNo'],
      },
      target: 'sales_bronze.order_lines',
      targetColumns: [
        'order_id',
        'line_no',
        'product_id',
        'quantity',
        'unit_price',
        'discount',
        'row_version',
      ],
      rows: [
        [
          c(2, '2'),
          c(1, '1'),
          c(10, '10'),
          c('3', '3.000'),
          c('19.99', '19.9900'),
          c('0.125', '0.1250'),
          rv(4001),
        ],
        [
          c(2, '2'),
          c(2, '2'),
          c(11, '11'),
          c('0.001', '0.001'),
          c('-0.5', '-0.5000'),
          c('0', '0.0000'),
          rv(4002),
        ],
        [
          c(9007199254740993n, '9007199254740993'),
          c(32767, '32767'),
          c(12, '12'),
          c('999999999.999', '999999999.999'),
          c('0.0001', '0.0001'),
          c('1', '1.0000'),
          rv(4003),
        ],
      ],
    },
  };
}

/** The fixture database the engine stand-in serves; reads `tables` again on every statement. */
export function salesFixture(tables: () => readonly SalesTable[]): Fixture {
  return {
    get tables(): readonly FixtureTable[] {
      return tables().map((table) => ({
        ...table.declaration,
        rows: table.rows.map((row) => row.map(([stored]) => stored)),
      }));
    },
  };
}

/** The warehouse's text of every row of a table, in key order as `ORDER BY` the key sorts. */
export function expectedRows(table: SalesTable): (string | null)[][] {
  return table.rows.map((row) => row.map(([, warehouse]) => warehouse));
}
