import { SecretError } from '@datakit/secrets';
import type { FailureReason } from './classify-kinit-failure.ts';
import { KerberosFailure } from './kerberos-tools.ts';

/** A failure as the sidecar logs it. */
export interface FailureDescription {
  reason: FailureReason;
  message: string;
}

/**
 * Turns anything a refresh threw into a reason and a one-line message. Secret errors name the
 * reference, never the value; file-system errors name the path.
 */
export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof KerberosFailure) return { reason: error.reason, message: error.message };
  if (error instanceof SecretError) {
    return { reason: 'secret-unavailable', message: `${error.message} (${error.code})` };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return {
      reason: 'cache-write-failed',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  return { reason: 'other', message: error instanceof Error ? error.message : String(error) };
}
