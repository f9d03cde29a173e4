/**
 * Windows-1252, the code page of SQL_Latin1_General_CP1_* and Latin1_General_* collations,
 * in which varchar/char/text values travel. Characters it lacks become '?', as SQL Server
 * converts them.
 */

// 0x80..0x9F: the code points Windows-1252 puts there (0 where it has none).
const HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161,
  0x203a, 0x0153, 0, 0x017e, 0x0178,
];
const ENCODE = new Map<number, number>(
  HIGH.flatMap((code, i) => (code === 0 ? [] : [[code, 0x80 + i] as const])),
);

/** Encodes a string in Windows-1252. */
export function encodeCp1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0x3f;
    out[n++] = code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : (ENCODE.get(code) ?? 0x3f);
  }
  return out.subarray(0, n);
}

const decoder = new TextDecoder('windows-1252');

/** Decodes Windows-1252 bytes. */
export function decodeCp1252(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
