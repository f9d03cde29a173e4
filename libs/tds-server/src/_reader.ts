/** A cursor over a request payload; reading past the end throws a protocol error. */
export class Reader {
  readonly buffer: Buffer;
  offset: number;

  constructor(buffer: Buffer, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(n: number): number {
    if (this.offset + n > this.buffer.length) {
      throw new RangeError(
        `truncated request: need ${n} bytes at offset ${this.offset} of ${this.buffer.length}`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.buffer.readUInt8(this.need(1));
  }
  u16le(): number {
    return this.buffer.readUInt16LE(this.need(2));
  }
  u16be(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }
  u32le(): number {
    return this.buffer.readUInt32LE(this.need(4));
  }
  u64le(): bigint {
    return this.buffer.readBigUInt64LE(this.need(8));
  }
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buffer.subarray(at, at + n);
  }
  /** UTF-16LE text of `chars` characters. */
  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('utf16le');
  }
  /** B_VARCHAR: 1-byte character count then UTF-16LE. */
  bVarchar(): string {
    return this.ucs2(this.u8());
  }
  /** US_VARCHAR: 2-byte character count then UTF-16LE. */
  usVarchar(): string {
    return this.ucs2(this.u16le());
  }
}
