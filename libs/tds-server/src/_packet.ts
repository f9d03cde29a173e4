import type { Writable } from 'node:stream';
import type { ByteSink } from './_byte-sink.ts';

/** TDS packet types (MS-TDS 2.2.3.1.1). */
export const PacketType = {
  SqlBatch: 0x01,
  Rpc: 0x03,
  TabularResult: 0x04,
  Attention: 0x06,
  BulkLoad: 0x07,
  TransactionManager: 0x0e,
  Login7: 0x10,
  Sspi: 0x11,
  PreLogin: 0x12,
} as const;

/** Packet status bits (MS-TDS 2.2.3.1.2). */
export const PacketStatus = {
  EndOfMessage: 0x01,
  Ignore: 0x02,
  ResetConnection: 0x08,
  ResetConnectionSkipTran: 0x10,
} as const;

/** Size of a packet header. */
export const HEADER_LENGTH = 8;

/** A complete TDS message: the type of its packets and their concatenated payloads. */
export interface TdsMessage {
  type: number;
  /** Status of the first packet (reset-connection bits live there). */
  status: number;
  payload: Buffer;
}

/**
 * Cuts a byte stream into TDS packets and packets into messages (all packets up to the one
 * with END_OF_MESSAGE). Attention packets are reported on their own, as they may arrive while
 * a response is being streamed.
 */
export class MessageAssembler {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private parts: Buffer[] = [];
  private firstStatus = 0;
  private readonly onMessage: (message: TdsMessage) => void;

  constructor(onMessage: (message: TdsMessage) => void) {
    this.onMessage = onMessage;
  }

  /** Feeds bytes from the wire. */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    for (;;) {
      if (this.pendingLength < HEADER_LENGTH) return;
      const head = this.peek(HEADER_LENGTH);
      const length = head.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new Error(`TDS packet with invalid length ${length}`);
      if (this.pendingLength < length) return;
      const packet = this.take(length);
      this.packet(packet);
    }
  }

  /** Bytes received but not yet part of a complete packet. */
  drainPending(): Buffer {
    const rest = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    return rest;
  }

  private packet(packet: Buffer): void {
    const type = packet.readUInt8(0);
    const status = packet.readUInt8(1);
    const payload = packet.subarray(HEADER_LENGTH);
    if (type === PacketType.Attention) {
      this.onMessage({ type, status, payload });
      return;
    }
    if (this.parts.length === 0) this.firstStatus = status;
    if ((status & PacketStatus.Ignore) !== 0) {
      // The client abandoned this message: drop what was collected.
      if ((status & PacketStatus.EndOfMessage) !== 0) this.parts = [];
      return;
    }
    this.parts.push(payload);
    if ((status & PacketStatus.EndOfMessage) !== 0) {
      const message = { type, status: this.firstStatus, payload: Buffer.concat(this.parts) };
      this.parts = [];
      this.onMessage(message);
    }
  }

  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all =
      this.pending.length === 1
        ? (this.pending[0] ?? Buffer.alloc(0))
        : Buffer.concat(this.pending);
    const taken = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    return taken;
  }
}

/**
 * Writes one TDS message as packets of the negotiated size: a ByteSink whose bytes fill the
 * current packet; a full packet goes to the stream at once. `blocked` tells the producer to
 * wait for `drained()` (the stream's backpressure) before producing more.
 */
export class PacketWriter implements ByteSink {
  private readonly out: Writable;
  private readonly type: number;
  private buffer: Buffer;
  private position = HEADER_LENGTH;
  private packetId = 1;
  private readonly scratch = Buffer.alloc(8);
  private readonly spid: number;
  /** True when the stream asked us to wait (write returned false). */
  blocked = false;

  constructor(out: Writable, packetSize: number, type: number, spid: number) {
    this.out = out;
    this.type = type;
    this.spid = spid;
    this.buffer = Buffer.allocUnsafe(packetSize);
  }

  u8(value: number): void {
    if (this.position + 1 <= this.buffer.length) this.buffer[this.position++] = value;
    else this.bytes(Buffer.from([value]));
  }
  u16le(value: number): void {
    this.scratch.writeUInt16LE(value, 0);
    this.bytes(this.scratch.subarray(0, 2));
  }
  u16be(value: number): void {
    this.scratch.writeUInt16BE(value, 0);
    this.bytes(this.scratch.subarray(0, 2));
  }
  u32le(value: number): void {
    this.scratch.writeUInt32LE(value, 0);
    this.bytes(this.scratch.subarray(0, 4));
  }
  i32le(value: number): void {
    this.scratch.writeInt32LE(value, 0);
    this.bytes(this.scratch.subarray(0, 4));
  }
  u32be(value: number): void {
    this.scratch.writeUInt32BE(value, 0);
    this.bytes(this.scratch.subarray(0, 4));
  }
  i64le(value: bigint): void {
    this.scratch.writeBigInt64LE(value, 0);
    this.bytes(this.scratch.subarray(0, 8));
  }

  bytes(value: Uint8Array): void {
    let offset = 0;
    while (offset < value.length) {
      const room = this.buffer.length - this.position;
      if (room === 0) {
        this.flush(false);
        continue;
      }
      const n = Math.min(room, value.length - offset);
      this.buffer.set(value.subarray(offset, offset + n), this.position);
      this.position += n;
      offset += n;
    }
  }

  /** Sends the last packet of the message (END_OF_MESSAGE). */
  end(): void {
    this.flush(true);
  }

  /** Resolves when the stream has drained (immediately when it is not blocked). */
  async drained(): Promise<void> {
    if (!this.blocked) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.once('drain', done);
      this.out.once('close', done);
    });
    this.blocked = false;
  }

  private flush(last: boolean): void {
    const packet = this.buffer.subarray(0, this.position);
    packet.writeUInt8(this.type, 0);
    packet.writeUInt8(last ? PacketStatus.EndOfMessage : 0, 1);
    packet.writeUInt16BE(this.position, 2);
    packet.writeUInt16BE(this.spid, 4);
    packet.writeUInt8(this.packetId, 6);
    packet.writeUInt8(0, 7);
    this.packetId = (this.packetId + 1) % 256;
    if (this.out.writable && !this.out.write(packet)) this.blocked = true;
    // The stream keeps the packet until it is written: never reuse its bytes.
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.position = HEADER_LENGTH;
  }
}
