import { z } from 'zod';

import { dataColumns } from './audit.ts';
import type { ColumnMeta } from './column.ts';
import { isDouble, isPgDate, isPgTimestamp, isReal } from './pg-values.ts';
import type { AnyTable, Column } from './table.ts';
import { formatIssues } from './validate-rows.ts';

/**
 * Validates one row in place: `null` when valid, otherwise the reason in the words of
 * {@link formatIssues} (`column: problem; column: problem`).
 */
export type RowValidator = (
  row: Record<string, unknown>,
  reference?: Readonly<Record<string, unknown>>,
) => string | null;

/** Options of {@link compileValidator}. */
export interface CompileValidatorOptions {
  /** Leave out the audit columns of an audited table (what a transform returns). */
  withoutAudit?: boolean;
  /**
   * Columns whose value is not checked again when it is the very value (`===`) of the same
   * column in the reference row passed to the validator: e.g. a target column with the same
   * metadata as a source column already validated, that a transform passed through.
   */
  trusted?: ReadonlySet<string>;
  /**
   * The rows have exactly the table's columns as keys, by construction (a loader's row
   * builder makes them): the scan for unknown keys is left out.
   */
  exactKeys?: boolean;
}

/**
 * Compiles a table contract into a row validator for loaders: the same verdict as the
 * table's zod schema (every column present, no unknown keys, each value valid), but each
 * column of a common kind is first checked by a plain predicate that accepts exactly what its
 * zod schema accepts, and zod runs only for the other kinds and to word a failure. Rows are
 * not copied: a valid row is returned as given.
 */
export function compileValidator(
  table: AnyTable,
  options: CompileValidatorOptions = {},
): RowValidator {
  const columns = options.withoutAudit
    ? dataColumns(table)
    : (Object.values(table.columns) as Column[]);
  const known = new Set(columns.map((c) => c.name));
  const checks = columns.map((column) => ({
    name: column.name,
    trusted: options.trusted?.has(column.name) ?? false,
    accepts: fastCheck(column),
    column,
  }));
  // Words a failure exactly as the zod schema of those columns would.
  const schema = z.strictObject(Object.fromEntries(columns.map((c) => [c.name, c.zod])));
  const scanKeys = options.exactKeys !== true;
  return (row, reference) => {
    let valid = true;
    if (scanKeys) {
      for (const key in row) {
        if (!known.has(key)) valid = false;
      }
    }
    for (let i = 0; valid && i < checks.length; i += 1) {
      const check = checks[i] as (typeof checks)[number];
      const value = row[check.name];
      if (check.trusted && reference !== undefined && value === reference[check.name]) {
        if (value !== undefined || check.name in row) continue;
      }
      if (check.accepts !== undefined && check.accepts(value)) continue;
      const result = check.column.zod.safeParse(value);
      if (!result.success) valid = false;
      // A custom schema may transform its value; keep what it returned.
      else if (result.data !== value) row[check.name] = result.data;
    }
    if (valid) return null;
    const result = schema.safeParse(row);
    return result.success ? null : formatIssues(result.error.issues);
  };
}

const INTEGER_BOUNDS = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
} as const;

/**
 * A predicate accepting exactly the values the column's zod schema accepts, for the kinds
 * where that is simple; `undefined` for the others (zod decides).
 */
function fastCheck(column: Column): ((value: unknown) => boolean) | undefined {
  const meta: ColumnMeta = column;
  const scalar = scalarCheck(meta);
  if (scalar === undefined) return undefined;
  return meta.nullable ? (value) => value === null || scalar(value) : scalar;
}

function scalarCheck(meta: ColumnMeta): ((value: unknown) => boolean) | undefined {
  switch (meta.kind) {
    case 'smallint':
    case 'integer': {
      const [lowest, highest] = INTEGER_BOUNDS[meta.kind];
      const min = Math.max(lowest, meta.min ?? lowest);
      const max = Math.min(highest, meta.max ?? highest);
      return (value) =>
        Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
    }
    case 'text':
    case 'varchar':
    case 'char': {
      const maxLength = meta.maxLength ?? Infinity;
      return (value) =>
        typeof value === 'string' && value.length <= maxLength && !value.includes('\u0000');
    }
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'timestamp':
    case 'timestamptz':
      return isPgTimestamp;
    case 'date':
      return isPgDate;
    case 'real':
      return isReal;
    case 'double':
      return isDouble;
    case 'enum': {
      const values = new Set(meta.values);
      return (value) => typeof value === 'string' && values.has(value);
    }
    default:
      return undefined;
  }
}
