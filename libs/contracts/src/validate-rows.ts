import type { z } from 'zod';

import type { AnyTable, RowOf } from './table.ts';

/** A row that failed validation, with why. */
export interface RejectedRow {
  /** The row as it was given. */
  row: unknown;
  /** One line naming each failing column and its problem, e.g. `email: expected string, received number`. */
  reason: string;
}

/** The outcome of validating one row. */
export type RowValidationResult<TRow> = { ok: true; row: TRow } | { ok: false; reason: string };

/** The outcome of validating a batch of rows. */
export interface ValidateRowsResult<TRow> {
  /** Rows that passed, as parsed by the contract, in input order. */
  valid: TRow[];
  /** Rows that failed, with their reasons, in input order. */
  rejected: RejectedRow[];
}

/**
 * Validates one row against the table's contract: every column present with a valid value,
 * no unknown keys. For streaming loaders that decide row by row.
 *
 * @example
 * const result = validateRow(Customer, { customer_id: 1, email: null, last_update: new Date() });
 * if (!result.ok) console.error(result.reason);
 * // e.g. 'customer_id: expected number, received string'
 */
export function validateRow<TTable extends AnyTable>(
  table: TTable,
  row: unknown,
): RowValidationResult<RowOf<TTable>> {
  const result = (table.zod as z.ZodType<RowOf<TTable>>).safeParse(row);
  if (result.success) return { ok: true, row: result.data };
  return { ok: false, reason: formatIssues(result.error.issues) };
}

/**
 * Validates rows against the table's contract; never throws for bad data. A testing helper too:
 * check that fixture rows fit a contract.
 *
 * @example
 * const { valid, rejected } = validateRows(Customer, makeFactory(Customer).buildMany(10));
 * expect(rejected).toEqual([]);
 */
export function validateRows<TTable extends AnyTable>(
  table: TTable,
  rows: Iterable<unknown>,
): ValidateRowsResult<RowOf<TTable>> {
  const valid: RowOf<TTable>[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    const result = validateRow(table, row);
    if (result.ok) valid.push(result.row);
    else rejected.push({ row, reason: result.reason });
  }
  return { valid, rejected };
}

/** Turns zod issues into one line: `column: problem; column: problem`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length === 0 ? '(row)' : issue.path.map(String).join('.');
      const what = issue.message
        .replace(/^Invalid input: /, '')
        .replace(/^expected (.+), received undefined$/, 'missing (expected $1)')
        .replace(/\s+/g, ' ');
      return `${where}: ${what}`;
    })
    .join('; ');
}
