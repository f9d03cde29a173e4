import { DatakitError, DriftError, EnvironmentError, isDatakitError } from '@datakit/errors';

/**
 * The one converter of SQL Server driver failures (tedious through `mssql`, msnodesqlv8 over
 * an ODBC driver) into the platform's errors, so callers never parse a driver's messages.
 *
 * What is looked at, in this order of trust: SQL Server's error numbers (from the server's
 * ERROR tokens, which tedious and the ODBC drivers both pass on), tedious' codes (`ESOCKET`,
 * `ETIMEOUT`, ...), ODBC SQLSTATEs, and, where a driver has nothing else (the GSSAPI client of
 * the ODBC drivers, TLS failures), the words of the driver's message. Error numbers from
 * "Database engine events and errors" (learn.microsoft.com/sql/relational-databases/errors-events/).
 */

/** SQL Server error numbers this converter knows. */
export const SqlServerErrorNumber = {
  /** "Login failed for user '%s'." */
  LoginFailed: 18456,
  /** "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication." */
  UntrustedDomain: 18452,
  /** "Cannot open database "%s" requested by the login. The login failed." */
  CannotOpenDatabase: 4060,
  /** "Invalid object name '%s'." */
  InvalidObjectName: 208,
  /** "Invalid column name '%s'." */
  InvalidColumnName: 207,
  /** "The %ls permission was denied on the object '%s', database '%s', schema '%s'." */
  PermissionDenied: 229,
  /** "The server principal "%s" is not able to access the database "%s" under the current security context." */
  DatabaseAccessDenied: 916,
} as const;

/** Where the failure happened and on what; never a secret. */
export interface FailureContext {
  /** E.g. `source database Sales at sql01:1433 as loader`. */
  label: string;
  /** Whether the session logs in with Kerberos, and with which cache (`FILE:…`). */
  kerberos: { ticketCache: string; servicePrincipal: string } | undefined;
  /** The database name, for the messages about it. */
  database: string;
  /** `connect` while opening the session, `query` afterwards. */
  phase: 'connect' | 'query';
}

/** One message the server sent during the login (tedious' `errorMessage` events). */
export interface ServerMessage {
  number: number;
  message: string;
}

/** What a driver error says, gathered from the error, its `originalError`, `cause` and details. */
interface Facts {
  /** Error numbers: the server's, or ODBC native error codes. */
  numbers: number[];
  /** tedious / Node codes such as `ESOCKET`, `ECONNREFUSED`. */
  codes: string[];
  /** ODBC SQLSTATEs such as `08001`. */
  states: string[];
  /** Every message text, driver prefixes like `[FreeTDS][SQL Server]` removed. */
  texts: string[];
}

/**
 * Turns a driver's failure into one platform error: what was found, what to do. Platform
 * errors pass through unchanged. `loginMessages` are the server's messages of a failed login,
 * which tedious would otherwise reduce to the last one ("Login failed…" also ends a login to a
 * database that does not exist).
 */
export function convertSqlServerError(
  error: unknown,
  context: FailureContext,
  loginMessages: readonly ServerMessage[] = [],
): DatakitError {
  if (isDatakitError(error)) return error;
  const facts = gather(error);
  for (const message of loginMessages) {
    facts.numbers.push(message.number);
    facts.texts.push(message.message);
  }
  const text = facts.texts.join(' | ');
  const said = firstText(facts);
  const has = (number: number) => facts.numbers.includes(number);
  const options = { cause: error };

  const kerberos = context.kerberos;
  if (kerberos !== undefined) {
    const problem = kerberosProblem(text);
    if (problem === 'unknown-spn') {
      return new EnvironmentError(
        `The Kerberos KDC does not know the service principal ${kerberos.servicePrincipal} of the ${context.label} ("Server not found in Kerberos database"), so no service ticket can be had for it.`,
        {
          ...options,
          hint: `Register the SPN for the SQL Server service account (setspn -S ${kerberos.servicePrincipal} <account>), or connect with the host name the SPN uses; serverSpn names another one.`,
        },
      );
    }
    if (problem === 'no-ticket' || problem === 'expired') {
      const state = problem === 'expired' ? 'has expired' : 'holds none';
      return new EnvironmentError(
        `No valid Kerberos ticket in ${kerberos.ticketCache} for the ${context.label}: the cache ${state} (${said}).`,
        {
          ...options,
          hint: 'Is the Kerberos sidecar ready? It keeps that cache filled from the keytab; locally, run kinit with KRB5CCNAME set to the same FILE: cache.',
        },
      );
    }
    if (problem === 'kdc-unreachable') {
      return new EnvironmentError(
        `The Kerberos KDC cannot be reached for a service ticket to the ${context.label} (${said}).`,
        {
          ...options,
          hint: "Check the realm's kdc entries in krb5.conf (KRB5_CONFIG) and that the KDC is up.",
        },
      );
    }
  }

  if (has(SqlServerErrorNumber.UntrustedDomain)) {
    return new EnvironmentError(
      `SQL Server refused the Kerberos login to the ${context.label} (error 18452: the login is from an untrusted domain). It did not accept the ticket's principal for Windows authentication; this also happens when the client could not get a Kerberos ticket for the server and fell back to NTLM.`,
      {
        ...options,
        hint: "Check that the principal's realm is trusted by the server's domain, that the SPN of the service is registered (a missing one makes the client fall back to NTLM), and that the host name is the one the SPN uses.",
      },
    );
  }
  if (
    has(SqlServerErrorNumber.CannotOpenDatabase) ||
    has(SqlServerErrorNumber.DatabaseAccessDenied)
  ) {
    return new EnvironmentError(
      `SQL Server has no database "${context.database}" the login may open, for the ${context.label} (error ${has(4060) ? 4060 : 916}: ${said}).`,
      {
        ...options,
        hint: 'Check the database name in warehouse.yaml (it is case-sensitive on a case-sensitive server), and that the login has a user in that database.',
      },
    );
  }
  if (has(SqlServerErrorNumber.LoginFailed)) {
    const how =
      kerberos === undefined
        ? 'Check that the password secret holds the current password of that SQL login, that the login exists and is enabled, and that the server allows SQL Server authentication (mixed mode).'
        : 'The Kerberos ticket was accepted but SQL Server has no login for its principal: create one (CREATE LOGIN [DOMAIN\\user] FROM WINDOWS) with a user in the database.';
    return new EnvironmentError(
      `SQL Server refused the login to the ${context.label} (error 18456: ${said}).`,
      {
        ...options,
        hint: how,
      },
    );
  }
  if (isCertificateProblem(text)) {
    // Node appends its own advice to tedious' message; the hint below says it per driver.
    const reason = said.replace(
      /; if the root CA is installed locally, try running Node\.js.*$/,
      '',
    );
    return new EnvironmentError(
      `The TLS certificate of the SQL Server for the ${context.label} was refused (${reason}).`,
      {
        ...options,
        hint: 'Give the client the CA that issued the server certificate (tedious: NODE_EXTRA_CA_CERTS=<ca.pem>, or NODE_OPTIONS=--use-system-ca for the system store; ODBC Driver 18: the system trust store, update-ca-certificates) and connect with the host name the certificate names; trustServerCertificate: true accepts any certificate, for test servers only.',
      },
    );
  }
  if (isUnreachable(facts, text)) {
    return new EnvironmentError(
      `The SQL Server for the ${context.label} cannot be reached (${said}).`,
      {
        ...options,
        hint: 'Check host, port (or instance) and the network path, and that SQL Server accepts TCP connections there.',
      },
    );
  }
  if (context.phase === 'connect') {
    return new EnvironmentError(`Cannot open the ${context.label}: ${said}.`, {
      ...options,
      hint: 'Check the connection settings in warehouse.yaml and that the server is up.',
    });
  }
  if (has(SqlServerErrorNumber.InvalidObjectName) || has(SqlServerErrorNumber.InvalidColumnName)) {
    return new DriftError(
      `A read from the ${context.label} names a table or column that is not there (${said}).`,
      {
        ...options,
        hint: 'Run the drift check (datakit verify) to see how the live schema differs from the contract.',
      },
    );
  }
  if (has(SqlServerErrorNumber.PermissionDenied)) {
    return new EnvironmentError(
      `The login of the ${context.label} may not read the table (${said}).`,
      {
        ...options,
        hint: 'Grant it SELECT on the tables the datakit reads (GRANT SELECT ON SCHEMA::<schema> TO <user>).',
      },
    );
  }
  return new DatakitError(`The ${context.label} failed: ${said}.`, options);
}

type KerberosProblem = 'unknown-spn' | 'no-ticket' | 'expired' | 'kdc-unreachable' | undefined;

/**
 * The GSSAPI failure a driver message describes. The ODBC drivers pass the GSSAPI/krb5 status
 * text on ("SSPI Provider: …" of Microsoft's driver; FreeTDS's GSS error text), which is the
 * only place the cause is said; the phrases are MIT krb5's error table (krb5_err.et) and the
 * GSS major status names.
 */
function kerberosProblem(text: string): KerberosProblem {
  if (/not found in kerberos database|KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN/i.test(text)) {
    return 'unknown-spn';
  }
  if (
    /ticket expired|credentials? (have|has) expired|credential has expired|GSS_S_CREDENTIALS_EXPIRED|KRB5KRB_AP_ERR_TKT_EXPIRED/i.test(
      text,
    )
  ) {
    return 'expired';
  }
  if (
    /no kerberos credentials|no credentials (cache|were supplied|are available)|credentials cache (file )?.*not found|GSS_S_NO_CRED|No such file or directory.*krb5cc|matching credential not found/i.test(
      text,
    )
  ) {
    return 'no-ticket';
  }
  if (/cannot (contact|find) any KDC|Cannot find KDC for realm/i.test(text))
    return 'kdc-unreachable';
  return undefined;
}

function isCertificateProblem(text: string): boolean {
  return /certificate|SSL Provider|self[- ]signed|unable to verify the first|altnames|CERT_/i.test(
    text,
  );
}

const UNREACHABLE_CODES = new Set([
  'ESOCKET',
  'ETIMEOUT',
  'EINSTLOOKUP',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Unreachable server: tedious' socket and timeout codes; ODBC SQLSTATE 08S01 (communication
 * link failure) and HYT00 (login timeout); FreeTDS' 20009 ("Unable to connect: Adaptive Server
 * is unavailable or does not exist") and 20003 (timeout); the words of Microsoft's "TCP
 * Provider" and "Login timeout expired". Not 08001 alone: FreeTDS ends every failed login with
 * a 08001 "Unable to connect to data source" record, whatever the cause before it.
 */
function isUnreachable(facts: Facts, text: string): boolean {
  if (facts.codes.some((code) => UNREACHABLE_CODES.has(code))) return true;
  if (facts.states.some((state) => ['08S01', 'HYT00'].includes(state.toUpperCase()))) return true;
  if (facts.numbers.includes(20009) || facts.numbers.includes(20003)) return true;
  return /TCP Provider|Login timeout expired|Adaptive Server is unavailable|connection refused|Failed to connect to|Communication link failure|server closed the connection|unexpected EOF/i.test(
    text,
  );
}

function gather(error: unknown): Facts {
  const facts: Facts = { numbers: [], codes: [], states: [], texts: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 5) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (typeof record['message'] === 'string' && record['message'] !== '') {
      facts.texts.push(cleanMessage(record['message']));
    }
    for (const key of ['number', 'code']) {
      const field = record[key];
      if (typeof field === 'number' && field > 0) facts.numbers.push(field);
      else if (typeof field === 'string' && field !== '') {
        if (/^\d+$/.test(field)) facts.numbers.push(Number(field));
        else facts.codes.push(field);
      }
    }
    for (const key of ['sqlstate', 'sqlState', 'state']) {
      const field = record[key];
      if (typeof field === 'string' && /^[0-9A-Z]{5}$/i.test(field)) facts.states.push(field);
    }
    visit(record['originalError'], depth + 1);
    visit(record['cause'], depth + 1);
    for (const key of ['errors', 'details', 'precedingErrors']) {
      const list = record[key];
      if (Array.isArray(list)) for (const item of list) visit(item, depth + 1);
    }
  };
  visit(error, 0);
  if (facts.texts.length === 0) facts.texts.push(String(error));
  return facts;
}

/** Removes the `[vendor][driver][SQL Server]` prefixes ODBC puts before a message. */
function cleanMessage(message: string): string {
  return message.replace(/^(\[[^\]]*\])+\s*/, '').trim();
}

/** The most telling message: the first server message when there is one, else the first text. */
function firstText(facts: Facts): string {
  const unique = [...new Set(facts.texts)];
  const text =
    unique.find((t) =>
      /Login failed|Cannot open database|Kerberos|certificate|untrusted/i.test(t),
    ) ??
    unique[0] ??
    'unknown error';
  return text.replace(/\.$/, '');
}
