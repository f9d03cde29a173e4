/**
 * PostgreSQL's COPY text format: one row per line, fields separated by a tab, `\N` for null,
 * and backslash escapes for backslash, tab, newline and carriage return (plus `\b`, `\f`,
 * `\v`, octal `\ooo` and hex `\xhh` on input). Both directions, tuned for millions of rows.
 */

const BACKSLASH = 92;
const TAB = 9;

/** The null marker. */
export const COPY_NULL = '\\N';

/**
 * Splits one line (without its newline) into fields: `null` for `\N`, otherwise the unescaped
 * text. Fields without a backslash (nearly all of them) are sliced without copying per char.
 */
export function parseCopyLine(line: string, into: (string | null)[] = []): (string | null)[] {
  into.length = 0;
  let start = 0;
  const length = line.length;
  for (;;) {
    let end = line.indexOf('\t', start);
    if (end === -1) end = length;
    const backslash = line.indexOf('\\', start);
    if (backslash === -1 || backslash >= end) {
      into.push(line.slice(start, end));
    } else if (end - start === 2 && line.charCodeAt(start + 1) === 78 /* N */) {
      into.push(null);
    } else {
      into.push(unescapeField(line.slice(start, end)));
    }
    if (end >= length) return into;
    start = end + 1;
  }
}

const SIMPLE: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** The text of one escaped COPY field (not `\N`, the null marker). */
export function unescapeField(field: string): string {
  let out = '';
  let i = 0;
  while (i < field.length) {
    const code = field.charCodeAt(i);
    if (code !== BACKSLASH || i + 1 >= field.length) {
      out += field[i];
      i += 1;
      continue;
    }
    const next = field[i + 1] as string;
    const simple = SIMPLE[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (next >= '0' && next <= '7') {
      const octal = /^[0-7]{1,3}/.exec(field.slice(i + 1, i + 4))?.[0] ?? next;
      out += String.fromCharCode(parseInt(octal, 8));
      i += 1 + octal.length;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(field[i + 2] ?? '')) {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 2, i + 4))?.[0] as string;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2 + hex.length;
    } else {
      // Any other escaped character stands for itself (`\\` is a backslash).
      out += next;
      i += 2;
    }
  }
  return out;
}

/** Escapes text for one COPY field. */
export function escapeCopyText(text: string): string {
  // The common case (no special character) returns the string itself.
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH || code === TAB || code === 10 || code === 13) {
      return text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string);
    }
  }
  return text;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
