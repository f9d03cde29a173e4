import { constants, accessSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { EnvironmentError } from '@datakit/errors';
import pg from 'pg';

import { kerberosConninfo, type KerberosPostgresConnection } from './config.ts';
import { kerberosLoginError, type KerberosLoginContext } from './errors.ts';

/**
 * Opens a PostgreSQL session with Kerberos: libpq (through pg-native) answers the server's
 * GSSAPI request with a ticket from the cache `KRB5CCNAME` names, which the sidecar fills. No
 * password exists anywhere. The client is node-postgres's native client (`client.native` is
 * set), which the loader reads with a cursor instead of COPY.
 */
export async function openKerberosClient(
  connection: KerberosPostgresConnection,
  label: string,
): Promise<pg.Client> {
  const context: KerberosLoginContext = {
    label,
    // What libpq's GSSAPI library reads: KRB5CCNAME, else MIT Kerberos's default cache.
    ticketCache: process.env.KRB5CCNAME ?? `FILE:/tmp/krb5cc_${process.getuid?.() ?? 0}`,
    host: connection.host,
    user: connection.user,
  };
  checkTicketCache(context);
  const Native = pg.native?.Client;
  if (!Native) {
    throw new EnvironmentError(
      `The ${label} uses Kerberos, which needs pg-native (libpq with GSSAPI), and it does not load here.`,
      {
        hint: 'Run the datakit on the datakit-base image, which ships pg-native built for its Node; elsewhere `npm install pg-native` with libpq5 installed.',
      },
    );
  }
  let hostaddr: string;
  try {
    // IPv4 first: local servers listen on 127.0.0.1, and pg's own native client resolves the
    // same way (one address, from dns.lookup).
    hostaddr = (await lookup(connection.host, { order: 'ipv4first' })).address;
  } catch (cause) {
    throw new EnvironmentError(`The ${label} cannot be reached: the host name does not resolve.`, {
      hint: 'Check the host in the config file.',
      cause,
    });
  }
  // pg's native client takes a ready libpq connection string (not in @types/pg).
  const config: pg.ClientConfig & { nativeConnectionString: string } = {
    nativeConnectionString: kerberosConninfo(connection, hostaddr),
  };
  const client = new Native(config);
  // A server that goes away later emits 'error' on the client; without a listener Node would
  // crash the process. The failing query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw kerberosLoginError(context, cause);
  }
  return client;
}

/**
 * Fails early, naming the cache and the sidecar, when the ticket cache file is missing or
 * unreadable: libpq would only say "No Kerberos credentials available".
 */
function checkTicketCache(context: KerberosLoginContext): void {
  const match = /^FILE:(.+)$/.exec(context.ticketCache) ?? /^(\/.+)$/.exec(context.ticketCache);
  const path = match?.[1];
  if (path === undefined) return; // KEYRING:, KCM:, MEMORY: — libpq will tell.
  try {
    accessSync(path, constants.R_OK);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EnvironmentError(
      `No valid Kerberos ticket in ${context.ticketCache} for the ${context.label}: ${
        missing ? 'the cache file does not exist' : 'the cache file cannot be read by this user'
      }.`,
      {
        hint: missing
          ? 'Is the Kerberos sidecar ready? It writes this cache (KRB5CCNAME) once it holds a ticket; its log and /readyz say why it does not, e.g. kdc-unreachable or wrong-keytab.'
          : `The sidecar writes the cache readable by its owner only (SIDECAR_CACHE_UID, default 10001): run the datakit as that uid (this process is uid ${process.getuid?.() ?? '?'}).`,
        cause,
      },
    );
  }
}
