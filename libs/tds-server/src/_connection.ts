import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { ByteSink } from './_byte-sink.ts';
import { SERVER_VERSION, builtinStatement } from './_builtin-statements.ts';
import { type NormalizedColumn, normalizeColumn } from './_columns.ts';
import { type Acceptor, mechanismOf } from './_kerberos-acceptor.ts';
import { type Login7, parseLogin7 } from './_login7.ts';
import { MessageAssembler, PacketType, PacketWriter, type TdsMessage } from './_packet.ts';
import {
  Encryption,
  PreloginOption,
  type ServerEncryption,
  buildPrelogin,
  negotiateEncryption,
  parsePrelogin,
} from './_prelogin.ts';
import { Reader } from './_reader.ts';
import {
  type RpcCall,
  type RpcParameter,
  parseRpc,
  parseSqlBatch,
  skipAllHeaders,
} from './_requests.ts';
import { Session } from './_session.ts';
import { splitStatements } from './_sql-text.ts';
import { TlsBridge } from './_tls-bridge.ts';
import {
  DoneStatus,
  EnvChangeType,
  Token,
  writeColMetadata,
  writeDone,
  writeEnvChangeBytes,
  writeEnvChangeText,
  writeLoginAck,
  writeMessage,
  writeNbcRow,
  writeReturnStatus,
  writeReturnValue,
  writeRow,
  writeSspi,
} from './_tokens.ts';
import { TdsError } from './tds-error.ts';
import type {
  TdsHandler,
  TdsParameterValue,
  TdsRequest,
  TdsResult,
  TdsResultSet,
  TdsRow,
} from './types.ts';

/** What every connection of one server shares. */
export interface ConnectionContext {
  serverName: string;
  database: string;
  databases: readonly string[] | undefined;
  logins: ReadonlyMap<string, string>;
  encryption: ServerEncryption;
  secureContext: SecureContext | undefined;
  createAcceptor: (() => Promise<Acceptor>) | undefined;
  handlers: readonly TdsHandler[];
  rowFormat: 'auto' | 'row' | 'nbcrow';
  log: (line: string) => void;
}

const PRELOGIN_PACKET_SIZE = 4096;
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
const HANDLE_COLUMN = normalizeColumn({ name: '', type: 'int' });

/** Ends the current request because the client sent ATTENTION. */
class Cancelled extends Error {}

/** Ends the connection after a severity 20+ error was sent. */
class Fatal extends Error {}

/**
 * One client connection: PRELOGIN (with TLS when negotiated), LOGIN7 (SQL login or
 * Kerberos through SSPI), then requests answered one after another until the client leaves.
 */
export class Connection {
  private readonly socket: Socket;
  private readonly context: ConnectionContext;
  private readonly spid: number;
  private readonly assembler: MessageAssembler;
  private readonly queue: TdsMessage[] = [];
  private waiter: ((message: TdsMessage | null) => void) | undefined;
  private closed = false;
  private bridge: TlsBridge | undefined;
  private tls: TLSSocket | undefined;
  private output: Writable;
  private packetSize = PRELOGIN_PACKET_SIZE;
  private busy = false;
  private attention = false;
  private readonly prepared = new Map<number, { sql: string; declared: string[] }>();
  private nextHandle = 1;

  constructor(socket: Socket, context: ConnectionContext, spid: number) {
    this.socket = socket;
    this.context = context;
    this.spid = spid;
    this.output = socket;
    this.assembler = new MessageAssembler((message) => this.onMessage(message));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        if (this.bridge !== undefined) this.bridge.feed(chunk);
        else this.assembler.push(chunk);
      } catch (error) {
        this.fail(error);
      }
    });
    socket.on('close', () => this.onClose());
    socket.on('error', (error) =>
      this.context.log(`spid ${this.spid}: socket error: ${error.message}`),
    );
  }

  /** Serves the connection until the client disconnects. */
  async run(): Promise<void> {
    try {
      const prelogin = await this.nextMessage();
      if (prelogin === null) return;
      if (prelogin.type !== PacketType.PreLogin)
        throw new Error(`expected PRELOGIN, got packet type ${prelogin.type}`);
      const mode = this.answerPrelogin(prelogin.payload);
      if (mode === 'refuse') {
        this.socket.end();
        return;
      }
      if (mode !== 'none') await this.startTls();
      const login = await this.nextMessage();
      if (login === null) return;
      if (login.type !== PacketType.Login7)
        throw new Error(`expected LOGIN7, got packet type ${login.type}`);
      if (mode === 'login') this.stopTls();
      const session = await this.login(parseLogin7(login.payload));
      if (session === undefined) return;
      for (;;) {
        const message = await this.nextMessage();
        if (message === null) return;
        await this.serve(message, session);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (!this.closed)
      this.context.log(
        `spid ${this.spid}: ${error instanceof Error ? error.message : String(error)}`,
      );
    this.socket.destroy();
  }

  private onMessage(message: TdsMessage): void {
    if (message.type === PacketType.Attention) {
      this.attention = true;
      if (!this.busy) this.acknowledgeAttention();
      return;
    }
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(message);
    } else this.queue.push(message);
  }

  private onClose(): void {
    this.closed = true;
    this.tls?.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(null);
  }

  private nextMessage(): Promise<TdsMessage | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private writer(): PacketWriter {
    return new PacketWriter(this.output, this.packetSize, PacketType.TabularResult, this.spid);
  }

  /** Sends one whole response message built by `write`. */
  private respond(write: (sink: ByteSink) => void): void {
    const writer = this.writer();
    write(writer);
    writer.end();
  }

  // ---- PRELOGIN and TLS --------------------------------------------------------------

  private answerPrelogin(payload: Buffer): 'none' | 'login' | 'all' | 'refuse' {
    const options = parsePrelogin(payload);
    const clientEncryption = options.get(PreloginOption.Encryption)?.[0] ?? Encryption.NotSupported;
    const stance =
      this.context.secureContext === undefined ? 'notSupported' : this.context.encryption;
    const decision = negotiateEncryption(clientEncryption, stance);
    const version = Buffer.alloc(6);
    version.writeUInt8(SERVER_VERSION[0], 0);
    version.writeUInt8(SERVER_VERSION[1], 1);
    version.writeUInt16BE(SERVER_VERSION[2], 2);
    const response = buildPrelogin([
      [PreloginOption.Version, version],
      [PreloginOption.Encryption, Buffer.from([decision.response])],
      [PreloginOption.InstOpt, Buffer.from([0])],
      [PreloginOption.ThreadId, Buffer.alloc(0)],
      [PreloginOption.Mars, Buffer.from([0])],
    ]);
    this.respond((sink) => sink.bytes(response));
    this.context.log(
      `spid ${this.spid}: PRELOGIN client encryption ${clientEncryption} -> ${decision.response} (${decision.mode})`,
    );
    return decision.mode;
  }

  private async startTls(): Promise<void> {
    const bridge = new TlsBridge(this.socket);
    this.bridge = bridge;
    const tls = new TLSSocket(bridge, {
      isServer: true,
      secureContext: this.context.secureContext,
    });
    this.tls = tls;
    tls.on('data', (chunk: Buffer) => {
      try {
        this.assembler.push(chunk);
      } catch (error) {
        this.fail(error);
      }
    });
    await new Promise<void>((resolve, reject) => {
      tls.once('secure', resolve);
      tls.once('error', reject);
      tls.once('close', () => reject(new Error('connection closed during the TLS handshake')));
      const pending = this.assembler.drainPending();
      if (pending.length > 0) bridge.feed(pending);
    });
    tls.on('error', (error) => this.fail(error));
    this.output = tls;
  }

  /** Login-only encryption: after LOGIN7 the connection is plain again (MS-TDS 3.3.5.2). */
  private stopTls(): void {
    this.bridge?.detach();
    this.bridge = undefined;
    this.tls?.removeAllListeners('data');
    this.tls?.removeAllListeners('error');
    this.tls?.on('error', () => undefined);
    this.tls?.destroy();
    this.tls = undefined;
    this.output = this.socket;
  }

  // ---- LOGIN7 ------------------------------------------------------------------------

  private async login(login: Login7): Promise<Session | undefined> {
    const { serverName } = this.context;
    const refuse = (number: number, message: string): undefined => {
      this.respond((sink) => {
        writeMessage(sink, { number, state: 1, class: 14, message, serverName });
        writeDone(sink, Token.Done, DoneStatus.Error, 0, 0);
      });
      this.context.log(`spid ${this.spid}: login refused: ${message}`);
      this.socket.end();
      return undefined;
    };
    let user: string;
    let authentication: 'sql' | 'kerberos';
    let sspiResponse: Buffer | undefined;
    if (login.integratedSecurity) {
      const untrusted =
        'Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.';
      if (this.context.createAcceptor === undefined || login.sspi.length === 0)
        return refuse(18452, untrusted);
      try {
        const acceptor = await this.context.createAcceptor();
        let step = await acceptor.step(login.sspi);
        for (let legs = 1; !step.complete; legs++) {
          if (legs > 8) throw new Error('SSPI negotiation did not complete');
          const response = step.response;
          this.respond((sink) => writeSspi(sink, response));
          const next = await this.nextMessage();
          if (next === null) return undefined;
          if (next.type !== PacketType.Sspi)
            throw new Error(`expected an SSPI message, got packet type ${next.type}`);
          step = await acceptor.step(next.payload);
        }
        user = step.principal;
        sspiResponse = step.response;
        this.context.log(
          `spid ${this.spid}: GSS-API ${mechanismOf(login.sspi)} context established for ${user}`,
        );
        authentication = 'kerberos';
      } catch (error) {
        this.context.log(
          `spid ${this.spid}: GSS-API: ${error instanceof Error ? error.message : String(error)}`,
        );
        return refuse(18452, untrusted);
      }
    } else {
      const expected = this.context.logins.get(login.userName);
      if (expected === undefined || expected !== login.password) {
        return refuse(18456, `Login failed for user '${login.userName}'.`);
      }
      user = login.userName;
      authentication = 'sql';
    }
    const database = login.database === '' ? this.context.database : login.database;
    const { databases } = this.context;
    if (
      databases !== undefined &&
      !databases.some((d) => d.toLowerCase() === database.toLowerCase())
    ) {
      return refuse(
        4060,
        `Cannot open database "${database}" requested by the login. The login failed.`,
      );
    }
    const requested = login.packetSize;
    this.packetSize =
      requested === 0 ? PRELOGIN_PACKET_SIZE : Math.min(Math.max(requested, 512), 32767);
    const session = new Session({
      user,
      authentication,
      appName: login.appName,
      spid: this.spid,
      serverName,
      database,
    });
    const language = login.language === '' ? 'us_english' : login.language;
    const response = sspiResponse;
    const packetSize = this.packetSize;
    // The login response still goes in packets of the pre-login size; requests after it use
    // the negotiated one.
    this.packetSize = PRELOGIN_PACKET_SIZE;
    this.respond((sink) => {
      if (response !== undefined && response.length > 0) writeSspi(sink, response);
      writeEnvChangeText(sink, EnvChangeType.Database, database, 'master');
      writeMessage(sink, {
        number: 5701,
        state: 2,
        class: 0,
        message: `Changed database context to '${database}'.`,
        serverName,
      });
      writeEnvChangeBytes(sink, EnvChangeType.Collation, COLLATION, Buffer.alloc(0));
      writeEnvChangeText(sink, EnvChangeType.Language, language, '');
      writeMessage(sink, {
        number: 5703,
        state: 1,
        class: 0,
        message: `Changed language setting to ${language}.`,
        serverName,
      });
      writeLoginAck(sink, 'Microsoft SQL Server', SERVER_VERSION);
      writeEnvChangeText(
        sink,
        EnvChangeType.PacketSize,
        String(packetSize),
        String(PRELOGIN_PACKET_SIZE),
      );
      writeDone(sink, Token.Done, DoneStatus.Final, 0, 0);
    });
    this.packetSize = packetSize;
    this.context.log(
      `spid ${this.spid}: logged in ${user} (${authentication}) to ${database}, packet size ${packetSize}`,
    );
    return session;
  }

  // ---- requests ----------------------------------------------------------------------

  private acknowledgeAttention(): void {
    this.attention = false;
    this.respond((sink) => writeDone(sink, Token.Done, DoneStatus.Attention, 0, 0));
  }

  private async serve(message: TdsMessage, session: Session): Promise<void> {
    this.busy = true;
    const writer = this.writer();
    const response = new Response(writer);
    let fatal = false;
    try {
      switch (message.type) {
        case PacketType.SqlBatch:
          await this.runStatements(
            response,
            session,
            parseSqlBatch(message.payload),
            new Map(),
            'batch',
            Token.Done,
          );
          break;
        case PacketType.Rpc:
          for (const call of parseRpc(message.payload)) await this.runRpc(response, session, call);
          break;
        case PacketType.TransactionManager:
          this.transactionManager(response, session, message.payload);
          break;
        default:
          response.error(
            new TdsError(
              0,
              1,
              20,
              `tds-server: unsupported request type 0x${message.type.toString(16)}`,
            ),
            session,
          );
      }
      response.finish(0);
    } catch (error) {
      if (error instanceof Fatal) {
        response.finish(0);
        fatal = true;
        return;
      }
      if (!(error instanceof Cancelled)) throw error;
      this.context.log(`spid ${this.spid}: ATTENTION: request cancelled`);
      response.finish(DoneStatus.Attention);
      this.attention = false;
    } finally {
      writer.end();
      this.busy = false;
      if (fatal) this.socket.end();
    }
    if (this.attention) this.acknowledgeAttention();
  }

  private transactionManager(response: Response, session: Session, payload: Buffer): void {
    const reader = new Reader(payload);
    skipAllHeaders(reader);
    const type = reader.u16le();
    // TM_BEGIN_XACT 5, TM_COMMIT_XACT 7, TM_ROLLBACK_XACT 8 (MS-TDS 2.2.7.... 2.2.6.9).
    if (type === 5) session.beginTransaction();
    else if (type === 7 || type === 8) session.endTransaction(type === 7);
    else if (type !== 0) {
      response.error(
        new TdsError(0, 1, 16, `tds-server: unsupported transaction manager request ${type}`),
        session,
      );
      return;
    }
    session.flush(response.sink());
    response.done(Token.Done, 0, undefined);
  }

  private async runRpc(response: Response, session: Session, call: RpcCall): Promise<void> {
    const procedure = call.procedure.toLowerCase().replace(/^(sys\.|dbo\.|\[sys\]\.)/, '');
    const text = (parameter: RpcParameter | undefined): string =>
      typeof parameter?.value === 'string' ? parameter.value : '';
    const outputs: [number, string, number][] = [];
    switch (procedure) {
      case 'sp_executesql': {
        const [statement, declarations, ...values] = call.parameters;
        const sql = text(statement);
        await this.runStatements(
          response,
          session,
          sql,
          bindParameters(declaredNames(text(declarations)), values),
          'rpc',
          Token.DoneInProc,
        );
        break;
      }
      case 'sp_prepare':
      case 'sp_prepexec': {
        // @handle OUTPUT, @params, @stmt[, values... | @options]
        const [handleParameter, declarations, statement, ...values] = call.parameters;
        const handle = this.nextHandle++;
        const prepared = { sql: text(statement), declared: declaredNames(text(declarations)) };
        this.prepared.set(handle, prepared);
        if (procedure === 'sp_prepexec') {
          await this.runStatements(
            response,
            session,
            prepared.sql,
            bindParameters(prepared.declared, values),
            'rpc',
            Token.DoneInProc,
          );
        }
        outputs.push([0, handleParameter?.name ?? '@handle', handle]);
        break;
      }
      case 'sp_execute': {
        const [handleParameter, ...values] = call.parameters;
        const handle = Number(handleParameter?.value);
        const prepared = this.prepared.get(handle);
        if (prepared === undefined) {
          response.error(
            new TdsError(8179, 4, 16, `Could not find prepared statement with handle ${handle}.`),
            session,
          );
          response.done(Token.DoneInProc, DoneStatus.Error, undefined);
        } else {
          await this.runStatements(
            response,
            session,
            prepared.sql,
            bindParameters(prepared.declared, values),
            'rpc',
            Token.DoneInProc,
          );
        }
        break;
      }
      case 'sp_unprepare':
        this.prepared.delete(Number(call.parameters[0]?.value));
        break;
      default: {
        const parameters = bindParameters([], call.parameters);
        await this.runStatement(
          response,
          session,
          { sql: `EXEC ${call.procedure}`, parameters, kind: 'rpc' },
          Token.DoneInProc,
          () => new TdsError(2812, 62, 16, `Could not find stored procedure '${call.procedure}'.`),
        );
      }
    }
    const sink = response.sink();
    writeReturnStatus(sink, 0);
    for (const [ordinal, name, value] of outputs)
      writeReturnValue(sink, ordinal, name, HANDLE_COLUMN, value);
    response.done(Token.DoneProc, 0, undefined);
  }

  private async runStatements(
    response: Response,
    session: Session,
    sql: string,
    parameters: Map<string, TdsParameterValue>,
    kind: 'batch' | 'rpc',
    doneToken: number,
  ): Promise<void> {
    const statements = splitStatements(sql);
    if (statements.length === 0) {
      response.done(doneToken, 0, undefined);
      return;
    }
    for (const statement of statements) {
      await this.runStatement(
        response,
        session,
        { sql: statement, parameters, kind },
        doneToken,
        () =>
          new TdsError(
            102,
            1,
            15,
            `Incorrect syntax near '${statement.slice(0, 40)}'. (tds-server has no handler for this statement: ${statement})`,
          ),
      );
    }
  }

  private async runStatement(
    response: Response,
    session: Session,
    request: TdsRequest,
    doneToken: number,
    unknown: () => TdsError,
  ): Promise<void> {
    this.checkAttention();
    try {
      let results: Iterable<TdsResult> | AsyncIterable<TdsResult> | undefined;
      for (const handler of this.context.handlers) {
        results = await handler(request, session);
        if (results !== undefined) break;
      }
      results ??= builtinStatement(request, session);
      if (results === undefined) throw unknown();
      let count = 0;
      for await (const result of results) {
        count++;
        session.flush(response.sink());
        if ('columns' in result) await this.writeResultSet(response, result, doneToken);
        else response.done(doneToken, 0, result.rowCount);
        this.checkAttention();
      }
      session.flush(response.sink());
      if (count === 0) response.done(doneToken, 0, undefined);
    } catch (error) {
      if (error instanceof Cancelled || error instanceof Fatal) throw error;
      const tdsError =
        error instanceof TdsError
          ? error
          : new TdsError(
              50000,
              1,
              16,
              `tds-server: ${error instanceof Error ? error.message : String(error)}`,
            );
      session.flush(response.sink());
      response.error(tdsError, session);
      response.done(doneToken, DoneStatus.Error, undefined);
      if (tdsError.class >= 20) throw new Fatal(tdsError.message);
    }
  }

  private async writeResultSet(
    response: Response,
    result: TdsResultSet,
    doneToken: number,
  ): Promise<void> {
    const columns: NormalizedColumn[] = result.columns.map(normalizeColumn);
    const sink = response.sink();
    writeColMetadata(sink, columns);
    const rowFormat = this.context.rowFormat;
    const writeOne = (row: TdsRow): void => {
      if (
        rowFormat === 'nbcrow' ||
        (rowFormat === 'auto' && row.some((v) => v === null || v === undefined))
      )
        writeNbcRow(sink, columns, row);
      else writeRow(sink, columns, row);
    };
    let count = 0;
    const rows = result.rows;
    if (Symbol.asyncIterator in rows) {
      for await (const row of rows) {
        writeOne(row);
        count++;
        await this.pace(response);
      }
    } else {
      for (const row of rows) {
        writeOne(row);
        count++;
        if (response.writer.blocked || (count & 0x3ff) === 0) await this.pace(response);
      }
    }
    response.done(doneToken, DoneStatus.Count, count);
  }

  /** Waits for the client to read (backpressure) and stops when it sent ATTENTION. */
  private async pace(response: Response): Promise<void> {
    if (response.writer.blocked) await response.writer.drained();
    this.checkAttention();
  }

  private checkAttention(): void {
    if (this.attention || this.closed) throw new Cancelled();
  }
}

/**
 * The token stream of one response. A DONE is held back until the next token shows whether
 * it needs DONE_MORE, so the last one of the response goes out final.
 */
class Response {
  readonly writer: PacketWriter;
  private held: { token: number; status: number; curCmd: number; count: number } | undefined;

  constructor(writer: PacketWriter) {
    this.writer = writer;
  }

  /** The sink for the next token (releasing a held DONE with DONE_MORE). */
  sink(): ByteSink {
    this.release(DoneStatus.More);
    return this.writer;
  }

  done(token: number, status: number, rowCount: number | undefined): void {
    this.release(DoneStatus.More);
    const count = rowCount === undefined ? 0 : rowCount;
    this.held = {
      token,
      status: status | (rowCount === undefined ? 0 : DoneStatus.Count),
      curCmd: 0xc1,
      count,
    };
  }

  error(error: TdsError, session: Session): void {
    writeMessage(this.sink(), {
      number: error.number,
      state: error.state,
      class: error.class,
      message: error.message,
      serverName: session.serverName,
    });
  }

  /** Ends the response: the held DONE goes out final (with DONE_ATTN when cancelled). */
  finish(extraStatus: number): void {
    if (extraStatus === DoneStatus.Attention) {
      this.release(DoneStatus.More);
      writeDone(this.writer, Token.Done, DoneStatus.Attention, 0, 0);
      return;
    }
    if (this.held === undefined) writeDone(this.writer, Token.Done, extraStatus, 0, 0);
    else this.release(extraStatus);
  }

  private release(extraStatus: number): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    writeDone(this.writer, held.token, held.status | extraStatus, held.curCmd, held.count);
  }
}

/** Names the parameter values: by their own name, else by the declaration's order. */
function bindParameters(
  declared: readonly string[],
  values: readonly RpcParameter[],
): Map<string, TdsParameterValue> {
  const parameters = new Map<string, TdsParameterValue>();
  values.forEach((parameter, i) => {
    const { name, ...value } = parameter;
    parameters.set(name === '' ? (declared[i] ?? `@${i + 1}`) : name, value);
  });
  return parameters;
}

/** Parameter names of an sp_executesql `@params` declaration (`@a int, @b nvarchar(10)`). */
function declaredNames(declaration: string): string[] {
  return [...declaration.matchAll(/(@[\p{L}\p{N}_#$@]+)/gu)]
    .map((m) => m[1] ?? '')
    .filter((name) => name !== '');
}
