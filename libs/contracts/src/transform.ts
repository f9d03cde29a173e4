import * as z from 'zod';

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

/**
 * For each target data column, the name of a source column whose values it takes as they are:
 * a column of the source's row type that the target column's type accepts.
 */
export type ColumnProjection<TFrom extends AnyTable, TTo extends AnyTable> = {
  readonly [TKey in keyof DataRowOf<TTo>]-?: SourceColumnFor<RowOf<TFrom>, DataRowOf<TTo>[TKey]>;
};

/** The names of the source row's columns whose values fit `TValue`. */
type SourceColumnFor<TRow, TValue> = {
  [TKey in keyof TRow]-?: TRow[TKey] extends TValue ? TKey : never;
}[keyof TRow] &
  string;

/**
 * `'same'` where every target data column takes the source column of its name, and the target
 * column's type accepts the source's; `never` (a type error) otherwise.
 */
export type SameColumns<
  TFrom extends AnyTable,
  TTo extends AnyTable,
> = keyof DataRowOf<TTo> extends keyof RowOf<TFrom>
  ? {
      [TKey in keyof DataRowOf<TTo>]: RowOf<TFrom>[TKey & keyof RowOf<TFrom>];
    } extends DataRowOf<TTo>
    ? 'same'
    : never
  : never;

/** What `defineTransform` takes: a `map` function, or a column projection. */
export type TransformDefinition<TFrom extends AnyTable, TTo extends AnyTable> =
  MapTransformDefinition<TFrom, TTo> | ProjectionTransformDefinition<TFrom, TTo>;

interface TransformDefinitionBase<TFrom extends AnyTable, TTo extends AnyTable> {
  /** Name in the spec output; defaults to `<from>_to_<to>`. */
  name?: string;
  /** The source contract. */
  from: TFrom;
  /** The target contract (usually `withAudit(...)`). */
  to: TTo;
}

/** A transform by a function of the row. */
export interface MapTransformDefinition<
  TFrom extends AnyTable,
  TTo extends AnyTable,
> extends TransformDefinitionBase<TFrom, TTo> {
  /**
   * Maps one valid source row to a target row without the audit columns, or to `null` to
   * filter the row out. Reading a column the source contract does not have is a type error,
   * so renaming or dropping a source column breaks every transform that reads it.
   */
  map: (row: RowOf<TFrom>) => TransformOutput<TTo> | null;
  columns?: never;
}

/**
 * A transform that only picks (and may rename) columns: every target data column takes a
 * source column's value as it is. The loader knows it without running a function, so it can
 * pass such columns through without decoding them (a bronze copy at the speed of the raw
 * binary COPY), validating only what their wire type does not guarantee.
 */
export interface ProjectionTransformDefinition<
  TFrom extends AnyTable,
  TTo extends AnyTable,
> extends TransformDefinitionBase<TFrom, TTo> {
  /**
   * `'same'`: each target data column takes the source column of its name (a type error when
   * one is missing or its type does not fit). Or, per target data column, the source column
   * it takes.
   */
  columns: SameColumns<TFrom, TTo> | ColumnProjection<TFrom, TTo>;
  map?: never;
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
  /**
   * For a projection (`columns` in {@link defineTransform}): each target data column and the
   * source column it takes as it is; `map` does the same. Undefined for a `map` transform.
   */
  readonly columns?: Readonly<Record<string, string>>;
}

/** Any transform, whatever its tables. */
export type AnyTransform = Transform<AnyTable, AnyTable>;

/**
 * Defines a transform from a source contract to a target contract. `map` gets a row of the
 * source contract's type and returns the target's data row (no audit columns: the loader fills
 * them) or `null` to filter the row out; both sides are validated against their contracts when
 * the transform runs (in the loader, or in {@link runTransform}). A transform that only picks
 * or renames columns says so with `columns` instead of `map`: the loader then passes the
 * values through as their bytes, without decoding them (see the README's load figures).
 *
 * @example
 * // identity: what `datakit new bronze` generates for each table
 * const customerToBronze = defineTransform({
 *   from: Customer,
 *   to: BronzeCustomer,
 *   columns: 'same',
 * });
 *
 * @example
 * // a projection that renames: each target data column and the source column it takes
 * const customerToSilver = defineTransform({
 *   from: Customer,
 *   to: SilverCustomer,
 *   columns: { id: 'customer_id', email: 'email' },
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
  const name = definition.name ?? `${definition.from.name}_to_${definition.to.name}`;
  if (definition.columns === undefined) {
    const map = definition.map as Transform<TFrom, TTo>['map'];
    return Object.freeze({ name, from: definition.from, to: definition.to, map });
  }
  const columns = projectionOf(name, definition.from, definition.to, definition.columns);
  return Object.freeze({
    name,
    from: definition.from,
    to: definition.to,
    map: projectionMap(columns) as unknown as Transform<TFrom, TTo>['map'],
    columns,
  });
}

/**
 * The projection's `{ target: source }` pairs, in the target's column order; checked at run
 * time too (a plain JavaScript caller gets no type error).
 *
 * @throws Error naming the transform and the column when a column is missing.
 */
function projectionOf(
  name: string,
  from: AnyTable,
  to: AnyTable,
  columns: string | Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const targets = dataColumns(to).map((c) => c.name);
  const pairs =
    columns === 'same'
      ? Object.fromEntries(targets.map((t) => [t, t]))
      : typeof columns === 'object' && columns !== null
        ? columns
        : undefined;
  if (pairs === undefined) {
    throw new Error(`transform ${name}: columns must be 'same' or an object of column names`);
  }
  const problems = [
    ...targets
      .filter((t) => typeof pairs[t] !== 'string')
      .map((t) => `target column ${t} takes no source column`),
    ...Object.keys(pairs)
      .filter((t) => !targets.includes(t))
      .map((t) => `${t} is not a data column of ${to.name}`),
    ...targets
      .filter(
        (t) => typeof pairs[t] === 'string' && !Object.hasOwn(from.columns, pairs[t] as string),
      )
      .map((t) => `target column ${t} takes ${String(pairs[t])}, which ${from.name} does not have`),
  ];
  if (problems.length > 0) throw new Error(`transform ${name}: ${problems.join('; ')}`);
  return Object.freeze(Object.fromEntries(targets.map((t) => [t, pairs[t] as string])));
}

/** A projection's `map`, compiled (constant property names keep its reads monomorphic). */
function projectionMap(
  columns: Readonly<Record<string, string>>,
): (row: Record<string, unknown>) => Record<string, unknown> {
  const body = Object.entries(columns)
    .map(([target, source]) => `${JSON.stringify(target)}: row[${JSON.stringify(source)}]`)
    .join(', ');
  return new Function('row', `return { ${body} };`) as (
    row: Record<string, unknown>,
  ) => Record<string, unknown>;
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
