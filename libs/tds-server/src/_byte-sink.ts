/** Where token and value encoders write: a growing buffer in tests, TDS packets on the wire. */
export interface ByteSink {
  u8(value: number): void;
  u16le(value: number): void;
  u16be(value: number): void;
  u32le(value: number): void;
  i32le(value: number): void;
  u32be(value: number): void;
  i64le(value: bigint): void;
  bytes(value: Uint8Array): void;
}

/** A ByteSink collecting everything into one Buffer. */
export class BufferSink implements ByteSink {
  private buffer = Buffer.alloc(256);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + n));
      this.buffer.copy(next, 0, 0, this.length);
      this.buffer = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(value: number): void {
    this.buffer.writeUInt8(value, this.reserve(1));
  }
  u16le(value: number): void {
    this.buffer.writeUInt16LE(value, this.reserve(2));
  }
  u16be(value: number): void {
    this.buffer.writeUInt16BE(value, this.reserve(2));
  }
  u32le(value: number): void {
    this.buffer.writeUInt32LE(value, this.reserve(4));
  }
  i32le(value: number): void {
    this.buffer.writeInt32LE(value, this.reserve(4));
  }
  u32be(value: number): void {
    this.buffer.writeUInt32BE(value, this.reserve(4));
  }
  i64le(value: bigint): void {
    this.buffer.writeBigInt64LE(value, this.reserve(8));
  }
  bytes(value: Uint8Array): void {
    this.buffer.set(value, this.reserve(value.length));
  }

  /** The bytes written so far (a copy). */
  result(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

/** Encodes with `write` into a fresh Buffer. */
export function encodeToBuffer(write: (sink: ByteSink) => void): Buffer {
  const sink = new BufferSink();
  write(sink);
  return sink.result();
}
