import { type Server, type Socket, createServer } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Connection, type ConnectionContext } from './_connection.ts';
import { createAcceptor } from './_kerberos-acceptor.ts';
import type { ServerEncryption } from './_prelogin.ts';
import { type FixtureTable, fixtureTablesHandler } from './fixture-tables.ts';
import type { KerberosAcceptorOptions, TdsHandler } from './types.ts';

/** Options of {@link startTdsServer}. */
export interface TdsServerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one (see `TdsServer.port`). */
  port?: number;
  /** SQL logins: user name to password. */
  logins?: Readonly<Record<string, string>>;
  /** Verify integrated (Kerberos/SPNEGO) logins with this keytab; without it they fail
   * with error 18452. */
  kerberos?: KerberosAcceptorOptions;
  /** PEM certificate and key for TLS; without them the server answers ENCRYPT_NOT_SUP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * The server's encryption stance when `tls` is given: `'off'` (default) encrypts the
   * login only unless the client asks for more, `'required'` encrypts every connection
   * (as Force Encryption does), `'notSupported'` never encrypts.
   */
  encryption?: ServerEncryption;
  /** The database a login lands in when it names none (default `master`). */
  database?: string;
  /** When given, a login naming another database fails with error 4060. */
  databases?: readonly string[];
  /** The server name in messages and `@@SERVERNAME` (default `tds-server`). */
  serverName?: string;
  /**
   * Statement handlers, tried in order before the fixture tables and the built-in session
   * statements (SET, USE, @@VERSION, DB_NAME(), ...); the first that does not return
   * `undefined` answers.
   */
  handlers?: readonly TdsHandler[];
  /** Tables served to `SELECT ... FROM [schema].[table]` (see `fixtureTablesHandler`). */
  fixtureTables?: readonly FixtureTable[];
  /** ROW or NBCROW tokens: `'auto'` (default) uses NBCROW for rows with a NULL. */
  rowFormat?: 'auto' | 'row' | 'nbcrow';
  /** Receives one line per connection event (for debugging); silent by default. */
  log?: (line: string) => void;
}

/** A running server. */
export interface TdsServer {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Starts a TDS 7.4 server on 127.0.0.1 that speaks the protocol as SQL Server does (PRELOGIN
 * with TLS, LOGIN7 with SQL logins or Kerberos, SQL_BATCH, RPC sp_executesql, ATTENTION) and
 * answers statements through `handlers`, `fixtureTables` and the built-in session statements.
 *
 * @example
 * const server = await startTdsServer({ logins: { sa: 'secret' }, fixtureTables: [typesFixture] });
 * // tsql -H 127.0.0.1 -p ${server.port} -U sa -P secret
 * await server.close();
 */
export async function startTdsServer(options: TdsServerOptions = {}): Promise<TdsServer> {
  const kerberos = options.kerberos;
  const context: ConnectionContext = {
    serverName: options.serverName ?? 'tds-server',
    database: options.database ?? 'master',
    databases: options.databases,
    logins: new Map(Object.entries(options.logins ?? {})),
    encryption: options.encryption ?? 'off',
    secureContext:
      options.tls === undefined
        ? undefined
        : // TDS 7.x carries the handshake in PRELOGIN packets, which SQL Server does with TLS 1.2.
          createSecureContext({
            cert: options.tls.cert,
            key: options.tls.key,
            minVersion: 'TLSv1.2',
            maxVersion: 'TLSv1.2',
          }),
    createAcceptor: kerberos === undefined ? undefined : () => createAcceptor(kerberos),
    handlers: [
      ...(options.handlers ?? []),
      ...(options.fixtureTables === undefined ? [] : [fixtureTablesHandler(options.fixtureTables)]),
    ],
    rowFormat: options.rowFormat ?? 'auto',
    log: options.log ?? (() => undefined),
  };
  const sockets = new Set<Socket>();
  let spid = 51;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    void new Connection(socket, context, spid++).run();
    if (spid > 32000) spid = 51;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
