import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { HEADER_LENGTH, PacketStatus, PacketType } from './_packet.ts';

const TLS_CHANGE_CIPHER_SPEC = 0x14;
const TLS_APPLICATION_DATA = 0x17;
const TLS_RECORD_HEADER = 5;

/**
 * The byte stream node:tls runs over during a TDS 7.x connection (MS-TDS 2.2.6.5, 3.2.5.2):
 * while the TLS handshake runs, its records travel inside PRELOGIN packets in both
 * directions; once it is done, TLS records go on the wire as they are.
 *
 * Reading: bytes that start with a PRELOGIN packet header (0x12) are unwrapped; the first
 * byte that is a TLS content type (0x14..0x17) instead switches to raw reading for good.
 * Writing: the server's handshake records are wrapped up to and including the Finished that
 * follows its ChangeCipherSpec; everything after, and any application data, goes raw. (TLS
 * is capped at 1.2, as SQL Server does for TDS 7.x: the handshake then ends with the server's
 * Finished, so no post-handshake record is ever wrapped.)
 */
export class TlsBridge extends Duplex {
  private readonly socket: Socket;
  private inbound = Buffer.alloc(0);
  private rawIn = false;
  private outbound = Buffer.alloc(0);
  private sawChangeCipherSpec = false;
  private rawOut = false;
  private detached = false;

  constructor(socket: Socket) {
    super();
    this.socket = socket;
  }

  /** Feeds bytes received from the client. */
  feed(chunk: Buffer): void {
    if (this.rawIn) {
      this.push(chunk);
      return;
    }
    this.inbound = Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length > 0) {
      const first = this.inbound[0] ?? 0;
      if (first >= TLS_CHANGE_CIPHER_SPEC && first <= TLS_APPLICATION_DATA) {
        this.rawIn = true;
        this.push(this.inbound);
        this.inbound = Buffer.alloc(0);
        return;
      }
      if (first !== PacketType.PreLogin) {
        this.destroy(
          new Error(
            `expected a PRELOGIN packet carrying TLS, got packet type 0x${first.toString(16)}`,
          ),
        );
        return;
      }
      if (this.inbound.length < HEADER_LENGTH) return;
      const length = this.inbound.readUInt16BE(2);
      if (this.inbound.length < length) return;
      this.push(this.inbound.subarray(HEADER_LENGTH, length));
      this.inbound = this.inbound.subarray(length);
    }
  }

  /** Stops passing bytes either way (login-only encryption: TLS ends after LOGIN7). */
  detach(): void {
    this.detached = true;
  }

  override _read(): void {
    // Bytes are pushed by feed() as the socket delivers them.
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.detached) {
      callback();
      return;
    }
    if (this.rawOut) {
      this.socket.write(chunk, () => callback());
      return;
    }
    this.outbound = Buffer.concat([this.outbound, chunk]);
    const wrapped: Buffer[] = [];
    const raw: Buffer[] = [];
    while (this.outbound.length >= TLS_RECORD_HEADER) {
      const length = TLS_RECORD_HEADER + this.outbound.readUInt16BE(3);
      if (this.outbound.length < length) break;
      const record = this.outbound.subarray(0, length);
      this.outbound = this.outbound.subarray(length);
      const type = record[0] ?? 0;
      if (this.rawOut || type === TLS_APPLICATION_DATA) {
        raw.push(record);
        continue;
      }
      wrapped.push(record);
      if (this.sawChangeCipherSpec) this.rawOut = true; // that was the server's Finished
      if (type === TLS_CHANGE_CIPHER_SPEC) this.sawChangeCipherSpec = true;
    }
    if (wrapped.length > 0) this.socket.write(preloginPackets(Buffer.concat(wrapped)));
    if (raw.length > 0) this.socket.write(Buffer.concat(raw));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }
}

/** TLS bytes as PRELOGIN packets of at most 4096 bytes (the pre-login packet size). */
function preloginPackets(data: Buffer): Buffer {
  const packets: Buffer[] = [];
  const room = 4096 - HEADER_LENGTH;
  for (let offset = 0, id = 1; offset < data.length; offset += room, id++) {
    const body = data.subarray(offset, offset + room);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(PacketType.PreLogin, 0);
    header.writeUInt8(offset + room >= data.length ? PacketStatus.EndOfMessage : 0, 1);
    header.writeUInt16BE(HEADER_LENGTH + body.length, 2);
    header.writeUInt8(id % 256, 6);
    packets.push(header, body);
  }
  return Buffer.concat(packets);
}
