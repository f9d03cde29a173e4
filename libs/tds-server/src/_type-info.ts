import type { ByteSink } from './_byte-sink.ts';
import { type NormalizedColumn, isTextPointer } from './_columns.ts';
import { decimalLength } from './_decimal.ts';

/** TDS data type codes (MS-TDS 2.2.5.4). */
export const TypeCode = {
  Null: 0x1f,
  Int1: 0x30,
  Bit: 0x32,
  Int2: 0x34,
  Int4: 0x38,
  DateTim4: 0x3a,
  Flt4: 0x3b,
  Money: 0x3c,
  DateTime: 0x3d,
  Flt8: 0x3e,
  Money4: 0x7a,
  Int8: 0x7f,
  Guid: 0x24,
  IntN: 0x26,
  Decimal: 0x37,
  Numeric: 0x3f,
  BitN: 0x68,
  DecimalN: 0x6a,
  NumericN: 0x6c,
  FltN: 0x6d,
  MoneyN: 0x6e,
  DateTimN: 0x6f,
  DateN: 0x28,
  TimeN: 0x29,
  DateTime2N: 0x2a,
  DateTimeOffsetN: 0x2b,
  Char: 0x2f,
  VarChar: 0x27,
  Binary: 0x2d,
  VarBinary: 0x25,
  BigVarBinary: 0xa5,
  BigVarChar: 0xa7,
  BigBinary: 0xad,
  BigChar: 0xaf,
  NVarChar: 0xe7,
  NChar: 0xef,
  Xml: 0xf1,
  Udt: 0xf0,
  Text: 0x23,
  Image: 0x22,
  NText: 0x63,
  SsVariant: 0x62,
} as const;

/** UserType of timestamp/rowversion columns (SQL Server sends 80). */
export const USER_TYPE_TIMESTAMP = 0x50;

/** Max length SQL Server reports for text/image, and for ntext (in bytes). */
const TEXT_MAX = 0x7fffffff;
const NTEXT_MAX = 0x7ffffffe;

const FIXED: Partial<
  Record<NormalizedColumn['type'], [fixed: number, nullable: number, length: number]>
> = {
  bit: [TypeCode.Bit, TypeCode.BitN, 1],
  tinyint: [TypeCode.Int1, TypeCode.IntN, 1],
  smallint: [TypeCode.Int2, TypeCode.IntN, 2],
  int: [TypeCode.Int4, TypeCode.IntN, 4],
  bigint: [TypeCode.Int8, TypeCode.IntN, 8],
  real: [TypeCode.Flt4, TypeCode.FltN, 4],
  float: [TypeCode.Flt8, TypeCode.FltN, 8],
  smallmoney: [TypeCode.Money4, TypeCode.MoneyN, 4],
  money: [TypeCode.Money, TypeCode.MoneyN, 8],
  smalldatetime: [TypeCode.DateTim4, TypeCode.DateTimN, 4],
  datetime: [TypeCode.DateTime, TypeCode.DateTimN, 8],
};

/** The TDS type code a column's values travel as. */
export function typeCodeOf(column: NormalizedColumn): number {
  const fixed = FIXED[column.type];
  if (fixed !== undefined) return column.nullable ? fixed[1] : fixed[0];
  switch (column.type) {
    case 'decimal':
      return TypeCode.DecimalN;
    case 'numeric':
      return TypeCode.NumericN;
    case 'date':
      return TypeCode.DateN;
    case 'time':
      return TypeCode.TimeN;
    case 'datetime2':
      return TypeCode.DateTime2N;
    case 'datetimeoffset':
      return TypeCode.DateTimeOffsetN;
    case 'char':
      return TypeCode.BigChar;
    case 'varchar':
      return TypeCode.BigVarChar;
    case 'nchar':
      return TypeCode.NChar;
    case 'nvarchar':
      return TypeCode.NVarChar;
    case 'binary':
    case 'rowversion':
      return TypeCode.BigBinary;
    case 'varbinary':
      return TypeCode.BigVarBinary;
    case 'text':
      return TypeCode.Text;
    case 'ntext':
      return TypeCode.NText;
    case 'image':
      return TypeCode.Image;
    case 'uniqueidentifier':
      return TypeCode.Guid;
    case 'xml':
      return TypeCode.Xml;
    default:
      throw new RangeError(`no TDS type for ${column.type}`);
  }
}

/** Max length in bytes on the wire of a USHORTLEN column (0xFFFF for max). */
export function wireMaxLength(column: NormalizedColumn): number {
  if (column.type === 'rowversion') return 8;
  if (column.length === 'max') return 0xffff;
  return column.type === 'nchar' || column.type === 'nvarchar' ? column.length * 2 : column.length;
}

/** Writes a TYPE_INFO (MS-TDS 2.2.5.6) for the column. */
export function writeTypeInfo(sink: ByteSink, column: NormalizedColumn): void {
  const code = typeCodeOf(column);
  sink.u8(code);
  const fixed = FIXED[column.type];
  if (fixed !== undefined) {
    if (column.nullable) sink.u8(fixed[2]);
    return;
  }
  switch (column.type) {
    case 'decimal':
    case 'numeric':
      sink.u8(decimalLength(column.precision));
      sink.u8(column.precision);
      sink.u8(column.scale);
      return;
    case 'date':
      return;
    case 'time':
    case 'datetime2':
    case 'datetimeoffset':
      sink.u8(column.scale);
      return;
    case 'uniqueidentifier':
      sink.u8(16);
      return;
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      sink.u16le(wireMaxLength(column));
      sink.bytes(column.collation);
      return;
    case 'binary':
    case 'varbinary':
    case 'rowversion':
      sink.u16le(wireMaxLength(column));
      return;
    case 'text':
    case 'ntext':
      sink.u32le(column.type === 'ntext' ? NTEXT_MAX : TEXT_MAX);
      sink.bytes(column.collation);
      return;
    case 'image':
      sink.u32le(TEXT_MAX);
      return;
    case 'xml':
      sink.u8(0); // SCHEMA_PRESENT: untyped xml
      return;
    default:
      throw new RangeError(`no TYPE_INFO for ${column.type}`);
  }
}

/** COLMETADATA flags (MS-TDS 2.2.7.4): fNullable, usUpdateable. */
export function columnFlags(column: NormalizedColumn): number {
  const nullable = column.nullable ? 0x0001 : 0;
  // usUpdateable: 1 (read/write) for data columns, 0 (read-only) for rowversion.
  const updateable = column.type === 'rowversion' ? 0 : 0x0004;
  return nullable | updateable;
}

/** Whether COLMETADATA carries a TableName after the TYPE_INFO (text, ntext, image). */
export function hasTableName(column: NormalizedColumn): boolean {
  return isTextPointer(column);
}
