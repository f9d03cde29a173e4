/**
 * A SQL Server error that a handler throws to answer a statement with an ERROR token (and a
 * DONE with the error bit), as SQL Server reports e.g. 208 "Invalid object name".
 */
export class TdsError extends Error {
  /** SQL Server error number (e.g. 208). */
  readonly number: number;
  /** Error state (1..255). */
  readonly state: number;
  /** Severity class: 11..16 user errors; 20 and above close the connection. */
  readonly class: number;

  constructor(number: number, state: number, severity: number, message: string) {
    super(message);
    this.name = 'TdsError';
    this.number = number;
    this.state = state;
    this.class = severity;
  }
}
