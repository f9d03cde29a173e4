import type { KerberosServer } from 'kerberos';
import type { KerberosAcceptorOptions } from './types.ts';

/** One GSS-API acceptor step's outcome. */
export interface AcceptStep {
  /** The token to send back to the client (may be empty). */
  response: Buffer;
  /** Whether the security context is established. */
  complete: boolean;
  /** The authenticated client principal (`user@REALM`) once complete. */
  principal: string;
}

/** A GSS-API acceptor for one login: Kerberos (krb5 mech) and SPNEGO tokens. */
export interface Acceptor {
  step(token: Buffer): Promise<AcceptStep>;
}

/**
 * Creates an acceptor backed by the system's GSS-API (MIT krb5 through the `kerberos` npm
 * package). It accepts with the default credentials, i.e. any key of the keytab, for both
 * raw krb5 and SPNEGO tokens, then checks that the ticket was for the service principal.
 * KRB5_KTNAME (and KRB5_CONFIG) are process-wide: one keytab per process.
 */
export async function createAcceptor(options: KerberosAcceptorOptions): Promise<Acceptor> {
  process.env['KRB5_KTNAME'] = `FILE:${options.keytab}`;
  if (options.krb5Config !== undefined) process.env['KRB5_CONFIG'] = options.krb5Config;
  const expected = options.servicePrincipal ?? 'MSSQLSvc/localhost:1433';
  const { default: kerberos } = await import('kerberos');
  // An empty service name makes the acceptor use GSS_C_NO_CREDENTIAL, so that the target
  // principal is reported back and can be checked.
  const server: KerberosServer = await kerberos.initializeServer('');
  return {
    async step(token: Buffer): Promise<AcceptStep> {
      const response = await server.step(token.toString('base64'));
      const target = server.targetName;
      if (server.contextComplete && !samePrincipal(target, expected)) {
        throw new Error(`ticket is for ${target}, not for ${expected}`);
      }
      return {
        response: Buffer.from(response ?? '', 'base64'),
        complete: server.contextComplete,
        principal: server.username,
      };
    },
  };
}

function samePrincipal(actual: string, expected: string): boolean {
  const strip = (name: string): string => name.replace(/@[^@/]*$/, '').toLowerCase();
  const realmOf = (name: string): string | undefined => /@([^@/]*)$/.exec(name)?.[1];
  const expectedRealm = realmOf(expected);
  return (
    strip(actual) === strip(expected) &&
    (expectedRealm === undefined || realmOf(actual) === expectedRealm)
  );
}

const KRB5_OID = Buffer.from('06092a864886f712010202', 'hex');
const SPNEGO_OID = Buffer.from('06062b0601050502', 'hex');

/** Which GSS-API mechanism an initial context token names (RFC 2743 3.1 framing). */
export function mechanismOf(token: Buffer): 'krb5' | 'spnego' | 'unknown' {
  if (token[0] !== 0x60) return 'unknown';
  // Skip the DER length of the [APPLICATION 0] wrapper (short or long form).
  const first = token[1] ?? 0;
  const at = first < 0x80 ? 2 : 2 + (first & 0x7f);
  if (token.subarray(at, at + KRB5_OID.length).equals(KRB5_OID)) return 'krb5';
  if (token.subarray(at, at + SPNEGO_OID.length).equals(SPNEGO_OID)) return 'spnego';
  return 'unknown';
}
