import {
  cursorIsUnique,
  dataColumns,
  defaultWriteMode,
  validWriteModes,
  writeModeRefusal,
} from '@datakit/contracts';
import type { AnyTable, Column, Transform, WriteMode } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import type { z } from 'zod';

/** One table a datakit loads: a source contract, a target contract and the transform between. */
export interface DatakitTableInput<TSource extends AnyTable, TTarget extends AnyTable> {
  /** The source contract (what is read). */
  source: TSource;
  /** The target contract (what is written), usually `withAudit(...)`. */
  target: TTarget;
  /** The typed transform from `source` to `target`. */
  transform: Transform<TSource, TTarget>;
  /**
   * The source column a load resumes after. Defaults to the source contract's `.cursor()`
   * column; `null` reads the whole table every run.
   */
  cursor?: string | null;
  /**
   * The dedup rule of a target without a primary key: the target data columns whose values
   * tell its rows apart (`['event_id', 'at']`), or `'row'` for every data column. A merge
   * then upserts on those columns (one row per distinct value, the last read), so a keyless
   * table can be merged after a timestamp cursor. Not allowed on a target with a key.
   */
  dedupOn?: readonly string[] | 'row';
  /**
   * The write mode unless the config says otherwise. Default: `merge` on the target's primary
   * key or dedup rule; without either, `append` after a unique cursor (the source's key or a
   * rowversion: only new rows), else `replace`.
   */
  mode?: WriteMode;
  /**
   * The modes a warehouse may choose for this table (its config's `mode`). Default: every mode
   * that neither loses nor doubles rows: `merge` needs a primary key or a dedup rule, `append`
   * a unique cursor.
   */
  modes?: readonly WriteMode[];
}

/**
 * What to do with live columns the contracts do not know (dlt's vocabulary): `freeze` stops
 * the run, `discard` leaves them alone (never read; left null in a target), `evolve` also lets
 * the loader add a contract column a target table lacks.
 */
export type ExtraColumnsPolicy = 'evolve' | 'freeze' | 'discard';

/** What `defineDatakit` takes. */
export interface DatakitDefinitionInput<TParameters extends z.ZodType = z.ZodType> {
  /** The datakit's name, used when the image does not set `DATAKIT_NAME` (local runs). */
  name: string;
  /** What the datakit does; shown by `spec`. */
  description?: string;
  /** The tables to load, in load order (parents before children). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own source and target types; `datakitTable` checks them one by one
  tables: readonly DatakitTableInput<any, any>[];
  /** The schema of `parameters` in the config file; without it, `parameters` must be empty. */
  parameters?: TParameters;
  /** Policy for live columns the contracts do not know. Default `discard`. */
  extraColumns?: ExtraColumnsPolicy;
}

/** One table with every default applied. */
export interface NormalizedDatakitTable {
  source: AnyTable;
  target: AnyTable;
  transform: Transform<AnyTable, AnyTable>;
  /** The source cursor column, or null for a full read. */
  cursor: string | null;
  /** Whether no two source rows share a cursor value (see `cursorIsUnique`). */
  cursorUnique: boolean;
  /** The dedup rule's target columns (every data column for `'row'`); empty: none. */
  dedupOn: readonly string[];
  mode: WriteMode;
  /** The modes a config may choose for this table; `mode` is one of them. */
  modes: readonly WriteMode[];
}

/** A datakit: what `runDatakit` runs. */
export interface DatakitDefinition<TParameters extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string | undefined;
  readonly tables: readonly NormalizedDatakitTable[];
  readonly parameters: TParameters | undefined;
  readonly extraColumns: ExtraColumnsPolicy;
}

/**
 * Types one table entry so that the transform must map exactly that source to that target.
 * `defineDatakit` accepts plain objects too and checks the same at run time.
 *
 * @example
 * datakitTable({ source: Customer, target: BronzeCustomer, transform: customerToBronze });
 * // read the whole table every run and replace the target's rows
 * datakitTable({
 *   source: Rate,
 *   target: BronzeRate,
 *   transform: rateToBronze,
 *   cursor: null,
 *   mode: 'replace',
 * });
 */
export function datakitTable<TSource extends AnyTable, TTarget extends AnyTable>(
  table: DatakitTableInput<TSource, TTarget>,
): DatakitTableInput<TSource, TTarget> {
  return table;
}

/**
 * Defines a datakit. Checks every table entry and throws one `ConfigError` listing every
 * problem: a transform between other tables, a cursor that is not a source column, two entries
 * writing the same target, a mode that would lose or double rows.
 *
 * @example
 * // src/index.ts
 * export const pagilaBronze = defineDatakit({
 *   name: 'pagila-bronze',
 *   description: 'Audited copies of the pagila tables',
 *   tables: [
 *     datakitTable({ source: Country, target: BronzeCountry, transform: countryToBronze }),
 *     datakitTable({ source: Customer, target: BronzeCustomer, transform: customerToBronze }),
 *   ],
 *   extraColumns: 'discard',
 *   parameters: z.strictObject({ since: z.string().optional() }),
 * });
 * // src/main.ts
 * await runDatakit(pagilaBronze, process.argv.slice(2), process.env);
 */
export function defineDatakit<TParameters extends z.ZodType = z.ZodType>(
  input: DatakitDefinitionInput<TParameters>,
): DatakitDefinition<TParameters> {
  const problems: string[] = [];
  if (input.tables.length === 0) problems.push('it has no tables; add at least one');
  const targets = new Set<string>();
  const tables = input.tables.map((table): NormalizedDatakitTable => {
    const where = `${table.source.qualifiedName} -> ${table.target.qualifiedName}`;
    if (table.transform.from !== table.source || table.transform.to !== table.target) {
      problems.push(
        `${where}: transform ${table.transform.name} maps ${table.transform.from.qualifiedName} -> ${table.transform.to.qualifiedName}`,
      );
    }
    if (targets.has(table.target.qualifiedName)) {
      problems.push(`${where}: another table already writes ${table.target.qualifiedName}`);
    }
    targets.add(table.target.qualifiedName);
    const cursor = table.cursor === undefined ? (table.source.cursor ?? null) : table.cursor;
    if (cursor !== null && !(cursor in table.source.columns)) {
      problems.push(
        `${where}: cursor "${cursor}" is not a column of ${table.source.qualifiedName}`,
      );
    }
    const dedupOn = dedupColumns(table, where, problems);
    const cursorUnique = cursor !== null && cursorIsUnique(table.source, cursor);
    const facts = { primaryKey: table.target.primaryKey, cursor, cursorUnique, dedupOn };
    const modes = table.modes ?? validWriteModes(facts);
    if (modes.length === 0) problems.push(`${where}: modes is empty; name at least one`);
    for (const declared of new Set([...modes, ...(table.mode === undefined ? [] : [table.mode])])) {
      const refusal = writeModeRefusal(declared, facts);
      if (refusal !== undefined) problems.push(`${where}: ${refusal}`);
    }
    const fallback = defaultWriteMode(facts);
    const mode = table.mode ?? (modes.includes(fallback) ? fallback : (modes[0] ?? fallback));
    if (!modes.includes(mode)) {
      problems.push(`${where}: mode ${mode} is not one of its modes (${modes.join(', ')})`);
    }
    return {
      source: table.source,
      target: table.target,
      transform: table.transform,
      cursor,
      cursorUnique,
      dedupOn: Object.freeze(dedupOn),
      mode,
      modes: Object.freeze([...modes]),
    };
  });
  if (problems.length > 0) {
    throw new ConfigError(
      `Datakit ${input.name} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'Fix the tables passed to defineDatakit().' },
    );
  }
  return Object.freeze({
    name: input.name,
    description: input.description,
    tables: Object.freeze(tables),
    parameters: input.parameters,
    extraColumns: input.extraColumns ?? 'discard',
  });
}

/** A table's dedup rule as target column names; each problem with it added to `problems`. */
function dedupColumns(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table entry
  table: DatakitTableInput<any, any>,
  where: string,
  problems: string[],
): string[] {
  const rule = table.dedupOn;
  if (rule === undefined) return [];
  const target = table.target as AnyTable;
  const data = dataColumns(target).map((c) => c.name);
  if (target.primaryKey.length > 0) {
    problems.push(
      `${where}: dedupOn is for a target without a primary key; ${target.qualifiedName} merges on its key (${target.primaryKey.join(', ')})`,
    );
    return [];
  }
  if (rule === 'row') return data;
  if (rule.length === 0) problems.push(`${where}: dedupOn is empty; name columns or 'row'`);
  const unknown = rule.filter((name) => !data.includes(name));
  if (unknown.length > 0) {
    problems.push(
      `${where}: dedupOn names ${unknown.join(', ')}, not data columns of ${target.qualifiedName} (${data.join(', ')})`,
    );
  }
  return [...new Set(rule)];
}

/** The cursor column's metadata, for loaders that need its type. */
export function cursorColumn(table: NormalizedDatakitTable): Column | undefined {
  return table.cursor === null
    ? undefined
    : (table.source.columns as Record<string, Column>)[table.cursor];
}
