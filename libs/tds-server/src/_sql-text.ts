/** Just enough T-SQL lexing for the fixture engine: statements, tokens, identifiers. */

/** A lexical token. `word` covers bare and quoted identifiers and keywords. */
export type SqlToken =
  | { kind: 'word'; text: string; quoted: boolean }
  | { kind: 'number'; text: string }
  | { kind: 'string'; text: string; unicode: boolean }
  | { kind: 'variable'; text: string }
  | { kind: 'punct'; text: string };

/** Splits a batch at top-level `;` (outside strings, quoted names and comments). */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '[') {
      i = skipQuoted(sql, i);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === ';') {
      statements.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  statements.push(sql.slice(start));
  return statements
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && stripComments(s).trim().length > 0);
}

function skipQuoted(sql: string, at: number): number {
  const close = sql[at] === '[' ? ']' : sql[at];
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === close) {
      if (sql[i + 1] === close) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** Tokenizes one statement; throws on characters it does not know. */
export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '[' || c === '"') {
      const end = skipQuoted(sql, i);
      const close = c === '[' ? ']' : '"';
      tokens.push({
        kind: 'word',
        text: sql.slice(i + 1, end - 1).replaceAll(close + close, close),
        quoted: true,
      });
      i = end;
    } else if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      const unicode = c !== "'";
      const from = unicode ? i + 1 : i;
      const end = skipQuoted(sql, from);
      tokens.push({
        kind: 'string',
        text: sql.slice(from + 1, end - 1).replaceAll("''", "'"),
        unicode,
      });
      i = end;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: 'number', text });
      i += text.length;
    } else if (c === '@') {
      const match = /^@@?[A-Za-z0-9_#$@]*/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: 'variable', text });
      i += text.length;
    } else if (/[A-Za-z_#]/.test(c) || c.charCodeAt(0) > 0x7f) {
      const match = /^[\p{L}_#][\p{L}\p{N}_#$@]*/u.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: 'word', text, quoted: false });
      i += text.length;
    } else if ('*,.()=;<>+-!'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new SyntaxError(`unexpected character '${c}'`);
    }
  }
  return tokens;
}

/** Whether a token is the (unquoted) keyword `keyword`, case-insensitively. */
export function isKeyword(token: SqlToken | undefined, keyword: string): boolean {
  return (
    token !== undefined &&
    token.kind === 'word' &&
    !token.quoted &&
    token.text.toUpperCase() === keyword
  );
}

/** Whether a token is the punctuation `text`. */
export function isPunct(token: SqlToken | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

/** Quotes a name as SQL Server prints it in messages. */
export function quoteName(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}
