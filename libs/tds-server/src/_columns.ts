import type { TdsColumn, TdsTypeName } from './types.ts';

/** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags IgnoreCase|IgnoreKana|IgnoreWidth, sort 52. */
export const DEFAULT_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** A column with every default applied. */
export interface NormalizedColumn {
  name: string;
  type: TdsTypeName;
  /** Declared length in the column's own unit (chars for n-types), or 'max'. 0 when none. */
  length: number | 'max';
  precision: number;
  scale: number;
  nullable: boolean;
  collation: Buffer;
}

const CHARACTER_TYPES = new Set<TdsTypeName>([
  'char',
  'varchar',
  'nchar',
  'nvarchar',
  'binary',
  'varbinary',
]);
const SCALED_TIME_TYPES = new Set<TdsTypeName>(['time', 'datetime2', 'datetimeoffset']);

/** Applies defaults and checks the declared length, precision and scale. */
export function normalizeColumn(column: TdsColumn): NormalizedColumn {
  const { type } = column;
  let length: number | 'max' = 0;
  if (CHARACTER_TYPES.has(type)) {
    length = column.length ?? (type === 'char' || type === 'nchar' || type === 'binary' ? 1 : 30);
    const limit = type === 'nchar' || type === 'nvarchar' ? 4000 : 8000;
    const maxAllowed = type === 'varchar' || type === 'nvarchar' || type === 'varbinary';
    if (
      length === 'max' ? !maxAllowed : !Number.isInteger(length) || length < 1 || length > limit
    ) {
      throw new RangeError(
        `column '${column.name}': ${type}(${String(length)}) is not a valid length`,
      );
    }
  }
  let precision = 0;
  let scale = 0;
  if (type === 'decimal' || type === 'numeric') {
    precision = column.precision ?? 18;
    scale = column.scale ?? 0;
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      throw new RangeError(`column '${column.name}': ${type}(${precision},${scale}) is not valid`);
    }
  } else if (SCALED_TIME_TYPES.has(type)) {
    scale = column.scale ?? 7;
    if (!Number.isInteger(scale) || scale < 0 || scale > 7) {
      throw new RangeError(`column '${column.name}': ${type}(${scale}) is not valid`);
    }
  }
  return {
    name: column.name,
    type,
    length,
    precision,
    scale,
    nullable: column.nullable ?? true,
    collation: column.collation ?? DEFAULT_COLLATION,
  };
}

/** Whether values of the column travel as PLP (the (max) types and xml). */
export function isPlp(column: NormalizedColumn): boolean {
  return column.length === 'max' || column.type === 'xml';
}

/** Whether values of the column travel with a text pointer (text, ntext, image). */
export function isTextPointer(column: NormalizedColumn): boolean {
  return column.type === 'text' || column.type === 'ntext' || column.type === 'image';
}
