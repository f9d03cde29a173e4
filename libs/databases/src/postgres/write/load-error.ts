import { DatakitError, EnvironmentError, isDatakitError } from '@datakit/errors';

/** Where a load failed, for the message. */
export interface LoadErrorContext {
  /** The target table, `schema.table`. */
  table: string;
  side: 'source' | 'target';
  /** The source table, when known. */
  source?: string;
}

/** SQLSTATE classes and codes worth their own wording. */
const CONNECTION_LOST = /^08|^57P0[123]$/;
const PERMISSION = '42501';
const UNIQUE = '23505';

/**
 * Turns whatever a load threw into one platform error naming the table: platform errors pass
 * through; a lost connection or a missing privilege is an `EnvironmentError` (exit 5); a
 * duplicate key (append into rows that are already there, or a source that repeats a key) and
 * anything else from PostgreSQL
 * is a `DatakitError` (exit 1) that keeps the server's message. Never a stack trace.
 */
export function loadError(error: unknown, context: LoadErrorContext): DatakitError {
  if (isDatakitError(error)) return error;
  const pgError = error as { code?: string; message?: string; detail?: string };
  const message = (pgError.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const code = pgError.code ?? '';
  const what = `Loading ${context.table}${context.source ? ` from ${context.source}` : ''} failed`;
  if (
    CONNECTION_LOST.test(code) ||
    /Connection terminated|ECONNRESET|EPIPE|server closed the connection/i.test(message)
  ) {
    return new EnvironmentError(
      `${what}: the database connection was lost (${message}). Nothing was committed.`,
      {
        hint: 'Run again when the database is reachable; the load resumes from the last committed cursor.',
        cause: error,
      },
    );
  }
  if (code === PERMISSION) {
    return new EnvironmentError(`${what}: ${message}.`, {
      hint: "Grant the datakit's database role the privilege named above (reading the source, owning the target schema).",
      cause: error,
    });
  }
  if (code === UNIQUE) {
    return new DatakitError(
      `${what}: ${message}${pgError.detail ? ` (${pgError.detail})` : ''}. Nothing was committed.`,
      {
        hint: "Either the source has the same primary key in more than one row (the contract's key is not unique there), or append mode inserted rows that are already in the target (use merge to upsert on the primary key).",
        cause: error,
      },
    );
  }
  return new DatakitError(
    `${what}: ${message}${code ? ` (SQLSTATE ${code})` : ''}. Nothing was committed.`,
    {
      cause: error,
    },
  );
}
