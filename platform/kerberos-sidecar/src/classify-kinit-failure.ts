/** Why `kinit` failed, in words an operator can act on. Stable: alerts may match on it. */
export type FailureReason =
  /** No KDC answered (stopped, firewalled, wrong address in krb5.conf). */
  | 'kdc-unreachable'
  /** The keytab holds no (valid) key for the principal: rotated, or another principal's. */
  | 'wrong-keytab'
  /** The KDC does not know the principal. */
  | 'unknown-principal'
  /** This machine's clock and the KDC's differ by more than the allowed skew (5 min). */
  | 'clock-skew'
  /** The ticket expired before it could be renewed. */
  | 'ticket-expired'
  /** The KDC refused to renew (not renewable, or past its renew-until). */
  | 'not-renewable'
  /** The keytab could not be read from the secret store. */
  | 'secret-unavailable'
  /** The ticket cache could not be written, owned or published. */
  | 'cache-write-failed'
  /** kinit, klist or kdestroy is not installed. */
  | 'kerberos-tools-missing'
  /** Anything else: the message says what. */
  | 'other';

const RULES: ReadonlyArray<[RegExp, FailureReason]> = [
  [/Clock skew too great/i, 'clock-skew'],
  [
    /Cannot contact any KDC|Cannot find KDC|Cannot resolve network address|Connection refused|timed out/i,
    'kdc-unreachable',
  ],
  [
    /Preauthentication failed|Key table entry not found|Keytab contains no suitable keys|No key table entry found|Decrypt integrity check failed|Password incorrect|Key version number .* not found|Bad encryption type/i,
    'wrong-keytab',
  ],
  [/not found in Kerberos database/i, 'unknown-principal'],
  [/Ticket expired/i, 'ticket-expired'],
  [/not renewable|KDC policy rejects request|Ticket not yet valid/i, 'not-renewable'],
];

/** Classifies what kinit printed on stderr (run with LC_ALL=C so messages are in English). */
export function classifyKinitFailure(stderr: string): FailureReason {
  for (const [pattern, reason] of RULES) {
    if (pattern.test(stderr)) return reason;
  }
  return 'other';
}

/** kinit's message on one line and bounded, for a log event. Never contains a key. */
export function summariseStderr(stderr: string, max = 300): string {
  const line = stderr.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
