import type { AnyTable, Column } from '@datakit/contracts';

import type { LiveColumn, LiveSchema, LiveTable } from './live-schema.ts';

/** What to do with columns the live table has and the contract does not (dlt's vocabulary). */
export type ExtraColumnsPolicy = 'evolve' | 'freeze' | 'discard';

/** Options of {@link compareSchema}. */
export interface CompareSchemaOptions {
  /**
   * `source`: the live table is read from, so contract columns are looked up by their source
   * name and a looser live column (nullable where the contract says NOT NULL) is breaking.
   * `target`: the live table is written to, so contract names are used and a stricter live
   * column (NOT NULL where the contract allows null) is breaking.
   */
  side: 'source' | 'target';
  /**
   * Extra columns: `freeze` makes any column the contract does not know breaking; `discard`
   * reports it and leaves it alone (never read; on a target, left null); `evolve` accepts it
   * and, on a target, lets a contract column the table lacks be added (`add-column`).
   * Key and cursor columns are always frozen, whatever the policy.
   */
  extraColumns: ExtraColumnsPolicy;
  /**
   * The canonical spelling of a SQL type of the database compared with (its adapter's
   * dialect), applied to the contract's `sqlType` and to the live type alike.
   */
  normalizeType(sqlType: string): string;
}

/** The kinds of difference between a contract and a live table. */
export type DriftKind =
  'missing-table' | 'missing-column' | 'extra-column' | 'type' | 'nullability' | 'primary-key';

/** One difference between a contract and a live table. */
export interface DriftChange {
  /** What differs. */
  kind: DriftKind;
  /** The live table, `schema.name`. */
  table: string;
  /** The live column name, when the change is about one column. */
  column?: string;
  /** What the contract says, e.g. `varchar(45) NOT NULL`. */
  expected: string;
  /** What the database has, e.g. `text NULL`, or `nothing`. */
  found: string;
  /** Whether the change stops a load. */
  breaking: boolean;
  /** What a loader does about a non-breaking change: add the column, or ignore it. */
  action?: 'add-column' | 'create-table' | 'ignore';
}

/** The comparison of one contract table with its live table. */
export interface TableDrift {
  /** The live table, `schema.name`. */
  table: string;
  /** The contract's `schema.name`. */
  contract: string;
  /** Whether the live table exists. */
  exists: boolean;
  /** Every difference, breaking or not. */
  changes: DriftChange[];
}

/** The outcome of {@link compareSchema}. */
export interface DriftResult {
  /** Which side was compared. */
  side: 'source' | 'target';
  /** The live schema compared with. */
  schema: string;
  /** One entry per contract table, in the order given. */
  tables: TableDrift[];
  /** The breaking changes of all tables. */
  breaking: DriftChange[];
  /** True when nothing is breaking. */
  ok: boolean;
}

/**
 * Compares table contracts with the live schema a database adapter read from its catalog: missing or extra
 * tables and columns, types (spellings normalised, domains and enums resolved), nullability
 * and the primary key. Each difference carries what was expected and what was found and
 * whether it is breaking under the given side and policy.
 */
export function compareSchema(
  contracts: readonly AnyTable[],
  live: LiveSchema,
  options: CompareSchemaOptions,
): DriftResult {
  const tables = contracts.map((contract) => {
    // A source table is found by its name in the source database, a target table by its own.
    const name = options.side === 'source' ? contract.sourceName : contract.name;
    return compareTable(contract, live.tables[name], `${live.schema}.${name}`, options);
  });
  const breaking = tables.flatMap((t) => t.changes.filter((c) => c.breaking));
  return { side: options.side, schema: live.schema, tables, breaking, ok: breaking.length === 0 };
}

function compareTable(
  contract: AnyTable,
  live: LiveTable | undefined,
  name: string,
  options: CompareSchemaOptions,
): TableDrift {
  const result: TableDrift = {
    table: name,
    contract: contract.qualifiedName,
    exists: !!live,
    changes: [],
  };
  const columns = Object.values(contract.columns) as Column[];
  const liveName = (column: Column) =>
    options.side === 'source' ? column.sourceName : column.name;
  if (live === undefined) {
    // A missing target is created from the contract; a missing source cannot be read.
    const creatable = options.side === 'target';
    result.changes.push({
      kind: 'missing-table',
      table: name,
      expected: `table with ${columns.length} columns`,
      found: 'nothing',
      breaking: !creatable,
      ...(creatable ? { action: 'create-table' as const } : {}),
    });
    return result;
  }

  // A view's columns are all nullable and it has no key in the catalog; read as a source, the
  // contract's nullability and key are taken (the loader still rejects a null it refuses).
  const fromView = options.side === 'source' && live.view === true;
  const liveColumns = new Map(live.columns.map((c) => [c.name, c]));
  for (const column of columns) {
    const found = liveColumns.get(liveName(column));
    if (found === undefined) {
      result.changes.push(missingColumn(name, column, liveName(column), options));
      continue;
    }
    result.changes.push(...compareColumn(name, column, found, options, fromView));
  }

  const known = new Set(columns.map(liveName));
  for (const column of live.columns) {
    if (!known.has(column.name)) result.changes.push(extraColumn(name, column, options));
  }

  const expectedKey = contract.primaryKey.map((key: string) =>
    liveName(contract.columns[key] as Column),
  );
  // A key is a set of columns: (payment_id, payment_date) and (payment_date, payment_id)
  // identify the same rows, so the order of the key's columns is not drift. A view read as a
  // source has no key in the catalog: the contract declares it.
  if (!(fromView && live.primaryKey.length === 0) && !sameColumns(expectedKey, live.primaryKey)) {
    result.changes.push({
      kind: 'primary-key',
      table: name,
      expected: describeKey(expectedKey),
      found: describeKey(live.primaryKey),
      breaking: true,
    });
  }
  return result;
}

function missingColumn(
  table: string,
  column: Column,
  name: string,
  options: CompareSchemaOptions,
): DriftChange {
  const frozen = column.primaryKey || column.cursor;
  // Only a nullable column can be added to a target that already has rows.
  const addable =
    options.side === 'target' && options.extraColumns === 'evolve' && !frozen && column.nullable;
  return {
    kind: 'missing-column',
    table,
    column: name,
    expected: describeExpected(column),
    found: 'nothing',
    breaking: !addable,
    ...(addable ? { action: 'add-column' as const } : {}),
  };
}

function extraColumn(
  table: string,
  column: LiveColumn,
  options: CompareSchemaOptions,
): DriftChange {
  // A target column the loader does not fill must accept null or have a default.
  const writable = options.side === 'source' || column.nullable || column.hasDefault;
  const breaking = options.extraColumns === 'freeze' || !writable;
  return {
    kind: 'extra-column',
    table,
    column: column.name,
    expected: 'nothing',
    found: describeFound(column),
    breaking,
    ...(breaking ? {} : { action: 'ignore' as const }),
  };
}

function compareColumn(
  table: string,
  column: Column,
  live: LiveColumn,
  options: CompareSchemaOptions,
  fromView = false,
): DriftChange[] {
  const changes: DriftChange[] = [];
  const typeProblem = compareType(column, live, options.normalizeType, options.side);
  if (typeProblem !== undefined) {
    changes.push({
      kind: 'type',
      table,
      column: live.name,
      expected: typeProblem.expected,
      found: typeProblem.found,
      breaking: true,
    });
  }
  if (column.nullable !== live.nullable && !(fromView && live.nullable)) {
    // Reading: a looser column may deliver nulls the contract rejects. Writing: a stricter
    // column rejects nulls the contract allows. The other direction is harmless.
    const breaking = options.side === 'source' ? live.nullable : !live.nullable;
    changes.push({
      kind: 'nullability',
      table,
      column: live.name,
      expected: column.nullable ? 'NULL' : 'NOT NULL',
      found: live.nullable ? 'NULL' : 'NOT NULL',
      breaking,
      ...(breaking ? {} : { action: 'ignore' as const }),
    });
  }
  return changes;
}

/**
 * A domain matches when the contract declares it (`.domain('sku')` over the base type's kind)
 * or names it as the column's SQL type (`col.custom('sku')`). A target table the loader
 * created has the base type where the contract declares a domain (domains are the source's):
 * on the target side that is no drift.
 */
function compareType(
  column: Column,
  live: LiveColumn,
  normalizeSqlType: (sqlType: string) => string,
  side: 'source' | 'target',
): { expected: string; found: string } | undefined {
  const expected = normalizeSqlType(column.sqlType);
  const expectedText = column.domain ? `${column.domain} (${expected})` : expected;
  if (live.domain !== undefined) {
    const base = normalizeSqlType(live.domainBaseType ?? live.type);
    const foundText = `${live.domain} (${base})`;
    const namesDomain = column.domain === undefined && expected === normalizeSqlType(live.domain);
    if (!namesDomain && base !== expected) return { expected: expectedText, found: foundText };
    if (column.domain !== undefined && column.domain !== live.domain) {
      return { expected: expectedText, found: foundText };
    }
  } else {
    const found = normalizeSqlType(live.type);
    if (found !== expected || (column.domain !== undefined && side === 'source')) {
      return { expected: expectedText, found };
    }
  }
  if (column.kind === 'enum' && live.enumValues !== undefined && column.values !== undefined) {
    if (column.values.join('\u0000') !== live.enumValues.join('\u0000')) {
      return {
        expected: `${expected} (${column.values.join(', ')})`,
        found: `${normalizeSqlType(live.type)} (${live.enumValues.join(', ')})`,
      };
    }
  }
  return undefined;
}

function describeExpected(column: Column): string {
  return `${column.sqlType} ${column.nullable ? 'NULL' : 'NOT NULL'}`;
}

function describeFound(column: LiveColumn): string {
  return `${column.type} ${column.nullable ? 'NULL' : 'NOT NULL'}`;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

function describeKey(columns: readonly string[]): string {
  return columns.length === 0 ? 'no primary key' : `primary key (${columns.join(', ')})`;
}
