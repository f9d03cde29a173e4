/** One secret to look for: a name for the report and the bytes that must not appear. */
export interface Needle {
  name: string;
  bytes: Buffer;
}

/**
 * The key blocks of an MIT keytab (format 0x502): the bytes that would betray a key. Each
 * entry is `size, components, realm, names, name type, timestamp, kvno, enctype, key`.
 */
export function keytabKeys(keytab: Buffer): Buffer[] {
  if (keytab.readUInt16BE(0) !== 0x502) throw new Error('not a version 0x502 keytab');
  const keys: Buffer[] = [];
  let offset = 2;
  while (offset + 4 <= keytab.length) {
    const size = keytab.readInt32BE(offset);
    offset += 4;
    if (size <= 0) {
      offset += -size; // a deleted entry (hole)
      continue;
    }
    const end = offset + size;
    let at = offset;
    const components = keytab.readUInt16BE(at);
    at += 2;
    for (let i = 0; i <= components; i += 1) at += 2 + keytab.readUInt16BE(at); // realm + names
    at += 4 + 4 + 1 + 2; // name type, timestamp, kvno, enctype
    const length = keytab.readUInt16BE(at);
    keys.push(keytab.subarray(at + 2, at + 2 + length));
    offset = end;
  }
  return keys;
}

/** What must never show up for a keytab: each key raw, base64 and hex, and the file encoded. */
export function keytabNeedles(name: string, keytab: Buffer): Needle[] {
  const needles = keytabKeys(keytab).flatMap((key, i) => [
    { name: `${name} key ${i}`, bytes: key },
    { name: `${name} key ${i} (base64)`, bytes: Buffer.from(key.toString('base64')) },
    { name: `${name} key ${i} (hex)`, bytes: Buffer.from(key.toString('hex')) },
  ]);
  needles.push(
    { name: `${name} (base64)`, bytes: Buffer.from(keytab.toString('base64')) },
    { name: `${name} (hex)`, bytes: Buffer.from(keytab.toString('hex')) },
  );
  return needles;
}

/**
 * Looks for needles in a stream of chunks without holding the stream: each chunk is searched
 * together with the tail of the one before, so a needle split across chunks is found too.
 */
export class NeedleScanner {
  readonly #needles: Needle[];
  readonly #overlap: number;
  readonly #found = new Set<string>();
  #tail = Buffer.alloc(0);

  constructor(needles: Needle[]) {
    if (needles.some((n) => n.bytes.length < 8)) throw new Error('needles of 8 bytes or more');
    this.#needles = needles;
    this.#overlap = Math.max(...needles.map((n) => n.bytes.length)) - 1;
  }

  /** Searches the next chunk. */
  push(chunk: Buffer): void {
    const window = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    for (const needle of this.#needles) {
      if (!this.#found.has(needle.name) && window.includes(needle.bytes)) {
        this.#found.add(needle.name);
      }
    }
    this.#tail = Buffer.from(window.subarray(Math.max(0, window.length - this.#overlap)));
  }

  /** Starts a new stream (the tail of the last one is dropped). */
  reset(): void {
    this.#tail = Buffer.alloc(0);
  }

  /** Names of the needles found so far. */
  found(): string[] {
    return [...this.#found].sort();
  }
}
