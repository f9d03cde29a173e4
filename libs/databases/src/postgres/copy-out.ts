import { Readable } from 'node:stream';

// Backend message codes of the PostgreSQL protocol met while COPY … TO STDOUT runs.
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTICE_RESPONSE = 0x4e; // 'N'
const NOTIFICATION_RESPONSE = 0x41; // 'A'
const HEADER = 5; // a code byte and a 4-byte length that counts itself

/** The part of node-postgres's connection a COPY stream drives: its socket and query. */
interface CopyConnection {
  stream: Readable;
  query(text: string): void;
}

/**
 * `COPY … TO STDOUT` as a readable stream of the COPY data alone, submitted to a node-postgres
 * client (`client.query(copyOut(text))`). While the copy runs it reads the client's socket
 * itself, as pg-copy-streams does, so node-postgres does not make a message object per row;
 * unlike pg-copy-streams it strips the protocol's framing in one pass over each socket chunk,
 * in place (no buffer per row, no list of them to join): on a million narrow rows the loader's
 * profile showed pg-copy-streams' reading as a fifth of its CPU. Anything but the copy's own
 * messages (an ErrorResponse, CommandComplete, ReadyForQuery) is handed back to node-postgres
 * with the rest of the socket's bytes, so errors and the end of the command take pg's usual
 * path. The chunks it pushes are the socket's own buffers (nothing else holds them).
 */
export class CopyOutStream extends Readable {
  /** Rows copied, from the CommandComplete tag (set when the command ends). */
  rowCount = 0;
  readonly text: string;
  #connection: CopyConnection | null = null;
  #pgDataHandler: ((chunk: Buffer) => void) | null = null;
  #onReadable = (): void => this.#forward();
  /** A message header cut by a chunk's end, and how much of it has come. */
  readonly #header = Buffer.alloc(HEADER);
  #headerFilled = 0;
  /** Body bytes of the current message still to come (in the next chunks). */
  #remaining = 0;
  /** The current CopyData message's body, when it did not fit in the chunk it began in. */
  #pending: Buffer | null = null;
  #wanted = false;
  #forwarding = false;

  constructor(text: string) {
    super();
    this.text = text;
  }

  /** Called by node-postgres when the query is sent (the Submittable interface). */
  submit(connection: CopyConnection): void {
    this.#connection = connection;
    const socket = connection.stream;
    const listeners = socket.listeners('data') as ((chunk: Buffer) => void)[];
    if (listeners.length !== 1) {
      throw new Error(`expected one data listener on the connection, found ${listeners.length}`);
    }
    this.#pgDataHandler = listeners[0] as (chunk: Buffer) => void;
    socket.removeListener('data', this.#pgDataHandler);
    socket.pause();
    socket.on('readable', this.#onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.#wanted = true;
    this.#forward();
  }

  #forward(): void {
    const connection = this.#connection;
    if (this.#forwarding || !this.#wanted || connection === null) return;
    this.#forwarding = true;
    let chunk: Buffer | null;
    while (this.#wanted && this.#connection !== null) {
      chunk = connection.stream.read() as Buffer | null;
      if (chunk === null) break;
      this.#wanted = this.#parse(chunk);
    }
    this.#forwarding = false;
  }

  /**
   * Takes the COPY data out of one socket chunk, in place: each message's body is moved over
   * the headers before it (`copyWithin`, no buffer made per row), so the chunk's first bytes
   * become the data. A CopyData message the chunk ends in the middle of is gathered on its
   * own and pushed whole once complete, so each push holds whole messages (PostgreSQL sends a
   * row per message: the loader then never joins a row's two parts, which would copy the
   * whole next chunk). Returns whether more is wanted.
   */
  #parse(data: Buffer): boolean {
    const length = data.length;
    let wanted = true;
    let p = 0;
    let o = 0;
    while (p < length) {
      if (this.#remaining > 0) {
        // A message begun in an earlier chunk (so p is 0 and nothing is in data[0, o) yet).
        const n = Math.min(this.#remaining, length - p);
        const pending = this.#pending;
        if (pending !== null) data.copy(pending, pending.length - this.#remaining, p, p + n);
        this.#remaining -= n;
        p += n;
        if (this.#remaining === 0 && pending !== null) {
          this.#pending = null;
          wanted = this.push(pending) && wanted;
        }
        continue;
      }
      let code: number;
      let size: number;
      let headerAt = p;
      if (this.#headerFilled > 0 || length - p < HEADER) {
        const n = Math.min(HEADER - this.#headerFilled, length - p);
        data.copy(this.#header, this.#headerFilled, p, p + n);
        this.#headerFilled += n;
        p += n;
        if (this.#headerFilled < HEADER) break;
        this.#headerFilled = 0;
        headerAt = -1;
        code = this.#header[0] as number;
        size = this.#header.readUInt32BE(1) - 4;
      } else {
        code = data[p] as number;
        size = data.readUInt32BE(p + 1) - 4;
        p += HEADER;
      }
      if (code === COPY_DATA) {
        if (size <= length - p) {
          if (o !== p) data.copyWithin(o, p, p + size);
          o += size;
          p += size;
        } else {
          const pending = Buffer.allocUnsafe(size);
          data.copy(pending, 0, p, length);
          this.#pending = pending;
          this.#remaining = size - (length - p);
          p = length;
        }
        continue;
      }
      if (code === COPY_DONE) return this.#end(data.subarray(0, o), data.subarray(p));
      if (
        code !== COPY_OUT_RESPONSE &&
        code !== PARAMETER_STATUS &&
        code !== NOTICE_RESPONSE &&
        code !== NOTIFICATION_RESPONSE
      ) {
        // An ErrorResponse (or anything unexpected): node-postgres reads it from here on.
        const rest =
          headerAt < 0 ? Buffer.concat([this.#header, data.subarray(p)]) : data.subarray(headerAt);
        return this.#end(data.subarray(0, o), rest, false);
      }
      // Another message of the copy (a notice…): read past.
      const n = Math.min(size, length - p);
      this.#remaining = size - n;
      p += n;
    }
    return o === 0 ? wanted : this.push(data.subarray(0, o)) && wanted;
  }

  /**
   * The copy's last data, then the socket back to node-postgres with the bytes after it
   * (`completed`: the data ended with CopyDone, so this stream ends; otherwise pg reports).
   */
  #end(last: Buffer, rest: Buffer, completed = true): boolean {
    if (last.length > 0) this.push(last);
    const connection = this.#connection as CopyConnection;
    const handler = this.#pgDataHandler as (chunk: Buffer) => void;
    this.#connection = null;
    this.#pgDataHandler = null;
    const socket = connection.stream;
    socket.removeListener('readable', this.#onReadable);
    socket.on('data', handler);
    if (rest.length > 0) handler(rest);
    // Resuming inside this read would re-enter pg's parser; the next tick is outside it.
    process.nextTick(() => socket.resume());
    if (completed) this.push(null);
    return false;
  }

  /** node-postgres: the command failed (after the socket was handed back). */
  handleError(error: Error): void {
    this.destroy(error);
  }

  /** node-postgres: `COPY n`. */
  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message.text ?? '');
    if (match !== null) this.rowCount = Number(match[1]);
  }

  /** node-postgres: the connection is ready for the next query. */
  handleReadyForQuery(): void {}
}

/** `client.query(copyOut('COPY (…) TO STDOUT …'))`: the COPY data as a readable stream. */
export function copyOut(text: string): CopyOutStream {
  return new CopyOutStream(text);
}
