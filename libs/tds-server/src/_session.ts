import { randomBytes } from 'node:crypto';
import type { ByteSink } from './_byte-sink.ts';
import { EnvChangeType, writeEnvChangeBytes, writeEnvChangeText, writeMessage } from './_tokens.ts';
import type { TdsSession } from './types.ts';

/** The server-side state of one logged-in client, and tokens waiting to be sent. */
export class Session implements TdsSession {
  readonly user: string;
  readonly authentication: 'sql' | 'kerberos';
  readonly appName: string;
  readonly spid: number;
  readonly serverName: string;
  database: string;
  /** The current transaction's descriptor, or null outside a transaction. */
  transaction: Buffer | null = null;
  private pending: ((sink: ByteSink) => void)[] = [];

  constructor(init: {
    user: string;
    authentication: 'sql' | 'kerberos';
    appName: string;
    spid: number;
    serverName: string;
    database: string;
  }) {
    this.user = init.user;
    this.authentication = init.authentication;
    this.appName = init.appName;
    this.spid = init.spid;
    this.serverName = init.serverName;
    this.database = init.database;
  }

  changeDatabase(name: string): void {
    const old = this.database;
    this.database = name;
    this.pending.push((sink) => {
      writeEnvChangeText(sink, EnvChangeType.Database, name, old);
      writeMessage(sink, {
        number: 5701,
        state: 1,
        class: 0,
        message: `Changed database context to '${name}'.`,
        serverName: this.serverName,
      });
    });
  }

  info(number: number, message: string): void {
    this.pending.push((sink) =>
      writeMessage(sink, { number, state: 1, class: 0, message, serverName: this.serverName }),
    );
  }

  /** Starts a transaction (ENVCHANGE 8 with a new descriptor). */
  beginTransaction(): void {
    if (this.transaction !== null) return;
    const descriptor = randomBytes(8);
    this.transaction = descriptor;
    this.pending.push((sink) =>
      writeEnvChangeBytes(sink, EnvChangeType.BeginTransaction, descriptor, Buffer.alloc(0)),
    );
  }

  /** Ends the transaction (ENVCHANGE 9 commit or 10 rollback). */
  endTransaction(commit: boolean): void {
    const descriptor = this.transaction;
    if (descriptor === null) return;
    this.transaction = null;
    const type = commit ? EnvChangeType.CommitTransaction : EnvChangeType.RollbackTransaction;
    this.pending.push((sink) => writeEnvChangeBytes(sink, type, Buffer.alloc(0), descriptor));
  }

  /** Writes the tokens queued by handlers since the last flush. */
  flush(sink: ByteSink): void {
    const pending = this.pending;
    this.pending = [];
    for (const write of pending) write(sink);
  }
}
