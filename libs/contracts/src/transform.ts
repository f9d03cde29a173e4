import { z } from 'zod';

import { dataColumns } from './audit.ts';
import type { AuditColumnName, DataRowOf } from './audit.ts';
import type { AnyTable, RowOf } from './table.ts';
import { formatIssues, validateRow } from './validate-rows.ts';

/**
 * What a transform's `map` may return: the target's data row. The audit columns are typed
 * `never` so setting one is a compile error; TypeScript does not check other excess keys on a
 * function's returned object literal, so those are caught by the strict target schema instead.
 */
export type TransformOutput<TTo extends AnyTable> = DataRowOf<TTo> & {
  readonly [TKey in AuditColumnName]?: never;
};

/** What `defineTransform` takes. */
export interface TransformDefinition<TFrom extends AnyTable, TTo extends AnyTable> {
  /** Name in the spec output; defaults to `<from>_to_<to>`. */
  name?: string;
  /** The source contract. */
  from: TFrom;
  /** The target contract (usually `withAudit(...)`). */
  to: TTo;
  /**
   * Maps one valid source row to a target row without the audit columns, or to `null` to
   * filter the row out. Reading a column the source contract does not have is a type error,
   * so renaming or dropping a source column breaks every transform that reads it.
   */
  map: (row: RowOf<TFrom>) => TransformOutput<TTo> | null;
}

/** A typed transform between two contracts. */
export interface Transform<TFrom extends AnyTable, TTo extends AnyTable> {
  /** Name in the spec output. */
  readonly name: string;
  /** The source contract. */
  readonly from: TFrom;
  /** The target contract. */
  readonly to: TTo;
  /** The mapping; `null` means filtered. (A method, so any transform fits {@link AnyTransform}.) */
  map(row: RowOf<TFrom>): DataRowOf<TTo> | null;
}

/** Any transform, whatever its tables. */
export type AnyTransform = Transform<AnyTable, AnyTable>;

/**
 * Defines a transform from a source contract to a target contract. `map` gets a row of the
 * source contract's type and returns the target's data row (no audit columns: the loader fills
 * them) or `null` to filter the row out; both sides are validated against their contracts when
 * the transform runs (in the loader, or in {@link runTransform}).
 *
 * @example
 * // identity: what `datakit new bronze` generates for each table
 * const customerToBronze = defineTransform({
 *   from: Customer,
 *   to: BronzeCustomer,
 *   map: (row) => ({ ...row }),
 * });
 *
 * @example
 * const customerToBronze = defineTransform({
 *   from: Customer,
 *   to: BronzeCustomer,
 *   map: (row) => (row.email === null ? null : { id: row.customer_id, email: row.email }),
 * });
 */
export function defineTransform<TFrom extends AnyTable, TTo extends AnyTable>(
  definition: TransformDefinition<TFrom, TTo>,
): Transform<TFrom, TTo> {
  return Object.freeze({
    name: definition.name ?? `${definition.from.name}_to_${definition.to.name}`,
    from: definition.from,
    to: definition.to,
    map: definition.map,
  });
}

/** Where a row was rejected when running a transform. */
export interface TransformRejection {
  /** `source`: the input failed the source contract; `target`: the output failed the target's. */
  stage: 'source' | 'target';
  /** The row that failed (the input for `source`, the mapped row for `target`). */
  row: unknown;
  /** One line naming each failing column and its problem. */
  reason: string;
}

/** The outcome of {@link runTransform}. */
export interface RunTransformResult<TTo extends AnyTable> {
  /** Mapped rows that passed the target contract (audit columns not included). */
  rows: DataRowOf<TTo>[];
  /** How many valid source rows `map` filtered out. */
  filtered: number;
  /** Rows that failed either contract, with the stage and reason. */
  rejected: TransformRejection[];
}

/**
 * The test harness for transforms, and the same steps the loader runs: validate each input
 * row against the source contract, map it, validate the result against the target contract
 * without its audit columns. No database needed.
 *
 * @example
 * import { expect, it } from 'vitest';
 *
 * it('keeps every valid customer and rejects a bad email type', () => {
 *   const rows = makeFactory(Customer, { seed: 7 }).buildMany(20);
 *   const result = runTransform(customerToBronze, [...rows, { ...rows[0], email: 42 }]);
 *   expect(result.rows).toHaveLength(20);
 *   expect(result.filtered).toBe(0);
 *   expect(result.rejected).toMatchObject([
 *     { stage: 'source', reason: 'email: expected string, received number' },
 *   ]);
 * });
 */
export function runTransform<TFrom extends AnyTable, TTo extends AnyTable>(
  transform: Transform<TFrom, TTo>,
  rows: Iterable<unknown>,
): RunTransformResult<TTo> {
  const targetSchema = dataSchema(transform.to);
  const result: RunTransformResult<TTo> = { rows: [], filtered: 0, rejected: [] };
  for (const input of rows) {
    const source = validateRow(transform.from, input);
    if (!source.ok) {
      result.rejected.push({ stage: 'source', row: input, reason: source.reason });
      continue;
    }
    const mapped = transform.map(source.row as RowOf<TFrom>);
    if (mapped === null) {
      result.filtered += 1;
      continue;
    }
    const target = targetSchema.safeParse(mapped);
    if (target.success) result.rows.push(target.data as DataRowOf<TTo>);
    else
      result.rejected.push({
        stage: 'target',
        row: mapped,
        reason: formatIssues(target.error.issues),
      });
  }
  return result;
}

/** The strict row schema of a table without its audit columns. */
function dataSchema(table: AnyTable): z.ZodType {
  return z.strictObject(Object.fromEntries(dataColumns(table).map((c) => [c.name, c.zod])));
}
