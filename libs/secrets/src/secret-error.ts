import { DatakitError, type DatakitErrorOptions } from '@datakit/errors';

/**
 * Why a secret could not be read. Callers branch on this (never on message text), e.g. a
 * sidecar retries `unreachable` but not `not-found`.
 */
export type SecretErrorCode =
  /** The file or environment variable does not exist. */
  | 'missing'
  /** The file or variable exists but holds nothing. */
  | 'empty'
  /** The file exists but cannot be read (permissions, a directory). */
  | 'unreadable'
  /** The file is readable by group or others and the provider runs with `strictPermissions`. */
  | 'insecure-permissions'
  /** The secret store did not answer (refused, DNS, timeout). */
  | 'unreachable'
  /** The secret store rejected the provider's own credentials or a fresh token. */
  | 'unauthorized'
  /** The provider's user may not read this secret. */
  | 'forbidden'
  /** The secret id does not exist (or is invisible to the provider's user). */
  | 'not-found'
  /** The secret exists but has no field with the requested slug. */
  | 'field-not-found'
  /** The secret store answered something this library does not understand. */
  | 'bad-response'
  /** `reveal()` was called after `dispose()`. */
  | 'disposed';

/** Options of a {@link SecretError}. */
export interface SecretErrorOptions extends DatakitErrorOptions {
  /** The reference being read, e.g. `delinea:4711/keytab`; never a secret value. */
  ref?: string;
}

/**
 * A secret could not be read. The message names the reference, path, variable or URL and never
 * contains a secret value, password or token.
 */
export class SecretError extends DatakitError {
  /** Why it failed; stable for code to branch on. */
  readonly code: SecretErrorCode;
  /** The reference being read, when there was one. */
  readonly ref: string | undefined;

  constructor(code: SecretErrorCode, message: string, options: SecretErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.ref = options.ref;
  }
}
