/** PRELOGIN (MS-TDS 2.2.6.5): option tokens, then their data. */

/** PRELOGIN option tokens. */
export const PreloginOption = {
  Version: 0x00,
  Encryption: 0x01,
  InstOpt: 0x02,
  ThreadId: 0x03,
  Mars: 0x04,
  TraceId: 0x05,
  FedAuthRequired: 0x06,
  Nonce: 0x07,
  Terminator: 0xff,
} as const;

/** ENCRYPTION option values. */
export const Encryption = {
  Off: 0x00,
  On: 0x01,
  NotSupported: 0x02,
  Required: 0x03,
} as const;

/** The options a PRELOGIN carries, by token. */
export type PreloginOptions = Map<number, Buffer>;

/** Parses a PRELOGIN payload into its options. */
export function parsePrelogin(payload: Buffer): PreloginOptions {
  const options: PreloginOptions = new Map();
  let offset = 0;
  while (offset < payload.length) {
    const token = payload.readUInt8(offset);
    if (token === PreloginOption.Terminator) break;
    const at = payload.readUInt16BE(offset + 1);
    const length = payload.readUInt16BE(offset + 3);
    if (at + length > payload.length)
      throw new RangeError('PRELOGIN option beyond the end of the message');
    options.set(token, payload.subarray(at, at + length));
    offset += 5;
  }
  return options;
}

/** Builds a PRELOGIN payload from options (in the given order). */
export function buildPrelogin(options: readonly (readonly [number, Buffer])[]): Buffer {
  const headerLength = options.length * 5 + 1;
  const header = Buffer.alloc(headerLength);
  let dataOffset = headerLength;
  options.forEach(([token, data], i) => {
    header.writeUInt8(token, i * 5);
    header.writeUInt16BE(dataOffset, i * 5 + 1);
    header.writeUInt16BE(data.length, i * 5 + 3);
    dataOffset += data.length;
  });
  header.writeUInt8(PreloginOption.Terminator, headerLength - 1);
  return Buffer.concat([header, ...options.map(([, data]) => data)]);
}

/** How the server treats encryption: its PRELOGIN stance. */
export type ServerEncryption = 'notSupported' | 'off' | 'required';

/** What the server answers and what happens next (MS-TDS 2.2.6.5, the encryption table). */
export interface EncryptionDecision {
  /** The ENCRYPTION byte of the server's PRELOGIN response. */
  response: number;
  /** none: plain; login: TLS for LOGIN7 only; all: TLS for the whole connection; refuse:
   * answer, then close (the client cannot meet the server's stance). */
  mode: 'none' | 'login' | 'all' | 'refuse';
}

/** Negotiates encryption from the client's ENCRYPTION byte and the server's stance. */
export function negotiateEncryption(client: number, server: ServerEncryption): EncryptionDecision {
  const clientWants = client === Encryption.On || client === Encryption.Required;
  if (server === 'notSupported') {
    return { response: Encryption.NotSupported, mode: clientWants ? 'refuse' : 'none' };
  }
  if (client === Encryption.NotSupported) {
    return server === 'required'
      ? { response: Encryption.Required, mode: 'refuse' }
      : { response: Encryption.NotSupported, mode: 'none' };
  }
  if (clientWants) return { response: Encryption.On, mode: 'all' };
  return server === 'required'
    ? { response: Encryption.Required, mode: 'all' }
    : { response: Encryption.Off, mode: 'login' };
}
