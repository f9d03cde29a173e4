/** LOGIN7 (MS-TDS 2.2.6.4). */

/** The fields of a LOGIN7 the server uses. */
export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  clientPid: number;
  /** fIntSecurity (OptionFlags2 0x80): the client logs in with SSPI (Kerberos). */
  integratedSecurity: boolean;
  hostName: string;
  userName: string;
  password: string;
  appName: string;
  serverName: string;
  libraryName: string;
  language: string;
  database: string;
  /** The SSPI data (a GSS-API/SPNEGO token); empty without integrated security. */
  sspi: Buffer;
}

const FIXED_LENGTH = 94;

/** Parses a LOGIN7 payload. */
export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED_LENGTH)
    throw new RangeError(`LOGIN7 of ${payload.length} bytes is too short`);
  const text = (at: number): string => {
    const offset = payload.readUInt16LE(at);
    const chars = payload.readUInt16LE(at + 2);
    return payload.subarray(offset, offset + chars * 2).toString('utf16le');
  };
  const sspiOffset = payload.readUInt16LE(78);
  let sspiLength = payload.readUInt16LE(80);
  // cbSSPILong carries lengths of 64 KiB and more (with cbSSPI = 0xFFFF).
  if (sspiLength === 0xffff) sspiLength = payload.readUInt32LE(90);
  const passwordOffset = payload.readUInt16LE(44);
  const passwordChars = payload.readUInt16LE(46);
  return {
    tdsVersion: payload.readUInt32LE(4),
    packetSize: payload.readUInt32LE(8),
    clientPid: payload.readUInt32LE(16),
    integratedSecurity: (payload.readUInt8(25) & 0x80) !== 0,
    hostName: text(36),
    userName: text(40),
    password: decodePassword(payload.subarray(passwordOffset, passwordOffset + passwordChars * 2)),
    appName: text(48),
    serverName: text(52),
    libraryName: text(60),
    language: text(64),
    database: text(68),
    sspi: Buffer.from(payload.subarray(sspiOffset, sspiOffset + sspiLength)),
  };
}

/** Undoes the LOGIN7 password scrambling: XOR 0xA5, then swap the nibbles of each byte. */
export function decodePassword(bytes: Buffer): string {
  const plain = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const x = (bytes[i] ?? 0) ^ 0xa5;
    plain[i] = ((x & 0x0f) << 4) | (x >> 4);
  }
  return plain.toString('utf16le');
}

/** Scrambles a password as a client does (for tests). */
export function encodePassword(password: string): Buffer {
  const plain = Buffer.from(password, 'utf16le');
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const b = plain[i] ?? 0;
    out[i] = (((b & 0x0f) << 4) | (b >> 4)) ^ 0xa5;
  }
  return out;
}
