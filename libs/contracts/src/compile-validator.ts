import * as z from 'zod';

import { dataColumns } from './audit.ts';
import { numericPattern } from './column.ts';
import type { ColumnMeta } from './column.ts';
import { isDouble, isInterval, isJsonText, isPgDate, isPgTimestamp, isReal } from './pg-values.ts';
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
  /**
   * Columns whose values are valid by construction when not null, e.g. decoded from a
   * PostgreSQL type that implies the contract (a uuid read as binary uuid, an integer without
   * bounds as int4): only a NULL (or a missing value) is checked, against the nullability.
   */
  typed?: ReadonlySet<string>;
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
  const checkColumns = compileColumnChecks(columns, options);
  // Words a failure exactly as the zod schema of those columns would (built at the first one).
  let schema: z.ZodType | undefined;
  const scanKeys = options.exactKeys !== true;
  return (row, reference) => {
    let valid = true;
    if (scanKeys) {
      for (const key in row) {
        if (!known.has(key)) valid = false;
      }
    }
    if (valid && checkColumns(row, reference)) return null;
    schema ??= z.strictObject(Object.fromEntries(columns.map((c) => [c.name, c.zod])));
    const result = schema.safeParse(row);
    return result.success ? null : formatIssues(result.error.issues);
  };
}

type ColumnChecks = (
  row: Record<string, unknown>,
  reference: Readonly<Record<string, unknown>> | undefined,
) => boolean;

/**
 * Whether every column's value is valid, compiled once per table (as the loader's row
 * parsers are): each column read by its name as a constant, which keeps property reads
 * monomorphic. Per column, in order, stopping at the first invalid one: a trusted value that
 * is the reference's is skipped; a typed one checks its NULL; a plain predicate accepts it;
 * else zod decides (a custom schema's transformed value is kept in the row).
 */
function compileColumnChecks(
  columns: readonly Column[],
  options: CompileValidatorOptions,
): ColumnChecks {
  const accepts: (((value: unknown) => boolean) | undefined)[] = [];
  const body = columns.map((column, i) => {
    const key = JSON.stringify(column.name);
    const typed = options.typed?.has(column.name) === true;
    accepts.push(typed ? undefined : fastCheck(column));
    const accepted = typed
      ? column.nullable
        ? 'v !== undefined'
        : 'v !== null && v !== undefined'
      : accepts[i] === undefined
        ? 'false'
        : `a[${i}](v)`;
    const check = `if (!(${accepted})) { const r = z[${i}].safeParse(v); if (!r.success) return false; if (r.data !== v) row[${key}] = r.data; }`;
    const trusted = options.trusted?.has(column.name) === true;
    return trusted
      ? `{ const v = row[${key}]; if (!(ref !== undefined && v === ref[${key}] && (v !== undefined || ${key} in row))) { ${check} } }`
      : `{ const v = row[${key}]; ${check} }`;
  });
  const make = new Function(
    'a',
    'z',
    `return (row, ref) => { ${body.join(' ')} return true; };`,
  ) as (
    a: readonly (((value: unknown) => boolean) | undefined)[],
    z: readonly z.ZodType[],
  ) => ColumnChecks;
  // Each column's schema is read when a value needs it (a column's is built on first use).
  const schemas = columns.map((c) => ({ safeParse: (value: unknown) => c.zod.safeParse(value) }));
  return make(accepts, schemas as unknown as z.ZodType[]);
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
    case 'numeric': {
      const pattern = numericPattern(meta.precision, meta.scale);
      return (value) => typeof value === 'string' && pattern.test(value);
    }
    case 'uuid':
      return (value) => typeof value === 'string' && GUID.test(value);
    case 'bytea':
      return (value) => value instanceof Buffer;
    case 'interval':
      return isInterval;
    case 'json':
      return isJsonText;
    case 'jsonb':
      return isPlainJson;
    case 'array': {
      const element = meta.element === undefined ? undefined : scalarCheck(meta.element);
      if (element === undefined) return undefined;
      const nullable = meta.element?.nullable === true;
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          if (!(nullable && item === null) && !element(item)) return false;
        }
        return true;
      };
    }
    default:
      return undefined;
  }
}

/** zod's `z.guid()` pattern: 8-4-4-4-12 hexadecimal digits, any version. */
const GUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/**
 * Whether a value is certainly one `z.json()` accepts: a string, a finite number, a boolean,
 * null, or an array or plain object (as JSON.parse makes them, no symbol keys) of such values.
 * Anything else is left to zod, which may still accept it.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i += 1) {
          if (!isPlainJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      // zod's record refuses symbol keys, which for...in does not see.
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      // A `__proto__` key is an own data property here (JSON.parse makes it one, and
      // JSON.stringify writes it back): accepted as it is. zod's record would rebuild the object
      // and lose it, and the row would then carry zod's copy: a changed value.
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
