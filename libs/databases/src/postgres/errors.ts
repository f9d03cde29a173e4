import { EnvironmentError } from '@datakit/errors';
import { formatSecretRef } from '@datakit/secrets';

import { CONNECT_TIMEOUT_MS, type PostgresConnection } from './config.ts';

/** What a Kerberos login failure is about, read from libpq's message. */
export type KerberosFailureKind =
  | 'no-ticket'
  | 'principal-refused'
  | 'unknown-service'
  | 'kdc-unreachable'
  | 'clock-skew'
  | 'password-asked'
  | 'gssapi'
  | 'unreachable'
  | 'no-database'
  | 'other';

// libpq reports a failed login as text only (pg-native gives no SQLSTATE for it), so the kind
// is read from the message; the first pattern that matches wins.
const PATTERNS: Array<[KerberosFailureKind, RegExp]> = [
  [
    'no-ticket',
    /No Kerberos credentials|No credentials (were supplied|cache found)|credentials cache .*not found|(ticket|credential)s? (has |have )?expired|Ticket expired/i,
  ],
  ['principal-refused', /GSSAPI authentication failed for user/i],
  ['unknown-service', /Server (\S+ )?not found in Kerberos database/i],
  ['kdc-unreachable', /Cannot (contact|find) any KDC|Cannot resolve network address for KDC/i],
  ['clock-skew', /Clock skew too great/i],
  ['password-asked', /no password supplied|password authentication failed|fe_sendauth/i],
  ['gssapi', /GSSAPI|GSS failure|Kerberos/i],
  [
    'unreachable',
    /Connection refused|could not translate host name|timeout expired|Network is unreachable|No route to host/i,
  ],
  ['no-database', /database "[^"]*" does not exist/i],
];

/** Sorts a libpq login error into what went wrong. */
export function kerberosFailureKind(message: string): KerberosFailureKind {
  return PATTERNS.find(([, pattern]) => pattern.test(message))?.[0] ?? 'other';
}

/** The facts a Kerberos login error names. */
export interface KerberosLoginContext {
  /** E.g. `source database pagila at localhost:5432 as kerberos_reader`. */
  label: string;
  /** The ticket cache libpq used (`KRB5CCNAME`), e.g. `FILE:/var/run/datakit/krb5/ccache`. */
  ticketCache: string;
  host: string;
  user: string;
}

const SIDECAR_HINT =
  'Is the Kerberos sidecar ready? It keeps this cache filled from the keytab; its log (`datakit logs`, or the sidecar container’s output) and its /readyz say why it is not, e.g. kdc-unreachable or wrong-keytab.';

/**
 * The platform error for a failed Kerberos login: it names the ticket cache and points at the
 * sidecar or the principal mapping when Kerberos is the cause, and at the database only when
 * the database is.
 */
export function kerberosLoginError(
  context: KerberosLoginContext,
  cause: unknown,
): EnvironmentError {
  const detail = oneLine(cause instanceof Error ? cause.message : String(cause));
  const { label, ticketCache, host, user } = context;
  switch (kerberosFailureKind(detail)) {
    case 'no-ticket':
      return new EnvironmentError(
        `No valid Kerberos ticket in ${ticketCache} for the ${label}: ${detail}`,
        { hint: SIDECAR_HINT, cause },
      );
    case 'principal-refused':
      return new EnvironmentError(
        `The ${label} refused the Kerberos principal of the ticket in ${ticketCache}: ${detail}`,
        {
          hint: `The ticket's principal is not one the server lets log in as "${user}". Check the warehouse's kerberos.principal (the sidecar's SIDECAR_PRINCIPAL) and, on the server, the gss line of pg_hba.conf and its pg_ident.conf map.`,
          cause,
        },
      );
    case 'unknown-service':
      return new EnvironmentError(
        `The KDC knows no service principal postgres/${host} for the ${label}: ${detail}`,
        {
          hint: `libpq asks for postgres/<host>@REALM with the host name as configured: use the name the server's service principal was made for (not an IP address or an alias).`,
          cause,
        },
      );
    case 'kdc-unreachable':
      return new EnvironmentError(
        `No Kerberos KDC answered while logging in to the ${label}: ${detail}`,
        {
          hint: 'Check the realm’s kdc entries in the krb5.conf this container uses (KRB5_CONFIG) and that the KDC is reachable from here.',
          cause,
        },
      );
    case 'clock-skew':
      return new EnvironmentError(
        `The clocks of this machine and the Kerberos KDC differ too much to log in to the ${label}: ${detail}`,
        { hint: 'Synchronise the clock (NTP) of the host running the datakit.', cause },
      );
    case 'password-asked':
      return new EnvironmentError(
        `The ${label} asked for a password, but the connection logs in with Kerberos: ${detail}`,
        {
          hint: `The server has no gss line in pg_hba.conf for "${user}" from this address (or an earlier line asks for a password). Add one, or use auth "password" with a password secret.`,
          cause,
        },
      );
    case 'gssapi':
      return new EnvironmentError(
        `The Kerberos (GSSAPI) login to the ${label} failed with the ticket in ${ticketCache}: ${detail}`,
        { hint: SIDECAR_HINT, cause },
      );
    case 'unreachable':
      return new EnvironmentError(`The ${label} cannot be reached: ${detail}`, {
        hint: 'Check host and port in the config file and that the database server is running and reachable from this container.',
        cause,
      });
    case 'no-database':
      return new EnvironmentError(`The ${label} cannot be opened: ${detail}`, {
        hint: 'Check the database name in the config file.',
        cause,
      });
    case 'other':
      return new EnvironmentError(`The Kerberos login to the ${label} failed: ${detail}`, {
        hint: SIDECAR_HINT,
        cause,
      });
  }
}

/** libpq's multi-line message as one line, ending with a full stop. */
function oneLine(message: string): string {
  const text = message.replace(/\s+/g, ' ').trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The server asked for a GSSAPI (Kerberos) login (AuthenticationGSS is request 7). */
export const GSS_REQUESTED = /authenticationOk message type 7\b/;

/** PostgreSQL error codes of a refused login (class 28) and a missing database. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);
const NO_DATABASE = '3D000';

/** The platform error of a failed password login. */
export function connectError(
  label: string,
  connection: PostgresConnection,
  cause: unknown,
): EnvironmentError {
  const error = cause as NodeJS.ErrnoException & { code?: string };
  const code = error.code ?? '';
  if (LOGIN_REFUSED.has(code)) {
    return new EnvironmentError(`The ${label} refused the login: ${error.message}.`, {
      hint: `Check the user and the password secret (${connection.password ? formatSecretRef(connection.password) : 'none configured'}), and pg_hba.conf on the server.`,
      cause,
    });
  }
  if (GSS_REQUESTED.test(error.message)) {
    return new EnvironmentError(
      `The ${label} asks for a Kerberos (GSSAPI) login, and this connection is configured for a password.`,
      {
        hint: "Set auth: kerberos on this connection (the datakit then logs in with the sidecar's ticket), or have pg_hba.conf give this user a password method.",
        cause,
      },
    );
  }
  if (code === NO_DATABASE) {
    return new EnvironmentError(`The ${label} cannot be opened: ${error.message}.`, {
      hint: 'Check the database name in the config file.',
      cause,
    });
  }
  const why =
    code === 'ECONNREFUSED'
      ? 'the connection was refused (nothing listens on that port)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : /timeout/i.test(error.message)
          ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} seconds`
          : error.message;
  return new EnvironmentError(`The ${label} cannot be reached: ${why}.`, {
    hint: 'Check host and port in the config file and that the database server is running and reachable from this container.',
    cause,
  });
}
