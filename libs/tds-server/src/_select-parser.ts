import { type SqlToken, isKeyword, isPunct, tokenize } from './_sql-text.ts';

/** One item of a SELECT list: a (possibly qualified) column or `*`, with an alias. */
export interface SelectItem {
  /** The column name (last part of a qualified name), or '*' for all columns. */
  column: string;
  alias?: string;
}

/** `SELECT [TOP n] items FROM [db.][schema.]table [WITH (NOLOCK)] [WHERE 1 = 0 | 1 = 1]`. */
export interface SimpleSelect {
  top?: number;
  items: SelectItem[];
  /** Name parts as written: [table], [schema, table] or [database, schema, table]. */
  table: string[];
  /** `WHERE 1 = 0` (no rows) or `WHERE 1 = 1` (all rows). */
  where?: boolean;
}

/** Parses the SELECTs the fixture engine answers; undefined for anything else. */
export function parseSimpleSelect(sql: string): SimpleSelect | undefined {
  let tokens: SqlToken[];
  try {
    tokens = tokenize(sql);
  } catch {
    return undefined;
  }
  let i = 0;
  const peek = (): SqlToken | undefined => tokens[i];
  const next = (): SqlToken | undefined => tokens[i++];
  if (!isKeyword(next(), 'SELECT')) return undefined;
  const select: SimpleSelect = { items: [], table: [] };
  if (isKeyword(peek(), 'TOP')) {
    i++;
    const parenthesized = isPunct(peek(), '(');
    if (parenthesized) i++;
    const count = next();
    if (count?.kind !== 'number') return undefined;
    select.top = Number(count.text);
    if (parenthesized && !isPunct(next(), ')')) return undefined;
  }
  for (;;) {
    const parts = readName(tokens, i);
    if (parts === undefined) {
      if (!isPunct(peek(), '*')) return undefined;
      i++;
      select.items.push({ column: '*' });
    } else {
      i = parts.end;
      const item: SelectItem = { column: parts.names[parts.names.length - 1] ?? '' };
      if (isKeyword(peek(), 'AS')) i++;
      const alias = peek();
      if (alias?.kind === 'word' && (alias.quoted || !isKeyword(alias, 'FROM'))) {
        item.alias = alias.text;
        i++;
      } else if (alias?.kind === 'string') {
        item.alias = alias.text;
        i++;
      }
      select.items.push(item);
    }
    if (!isPunct(peek(), ',')) break;
    i++;
  }
  if (!isKeyword(next(), 'FROM')) return undefined;
  const table = readName(tokens, i);
  if (table === undefined || table.names.length > 3) return undefined;
  select.table = table.names;
  i = table.end;
  if (isKeyword(peek(), 'WITH')) {
    // Table hints such as WITH (NOLOCK) do not change what a fixture returns.
    i++;
    if (!isPunct(next(), '(')) return undefined;
    while (i < tokens.length && !isPunct(peek(), ')')) i++;
    i++;
  }
  if (isKeyword(peek(), 'WHERE')) {
    i++;
    const [a, eq, b] = [next(), next(), next()];
    if (a?.kind !== 'number' || !isPunct(eq, '=') || b?.kind !== 'number') return undefined;
    select.where = a.text === b.text;
  }
  if (i < tokens.length) return undefined;
  return select;
}

/** Reads a dotted name (`a.b.c`, parts quoted or not) starting at token `at`. */
function readName(tokens: SqlToken[], at: number): { names: string[]; end: number } | undefined {
  const names: string[] = [];
  let i = at;
  for (;;) {
    const token = tokens[i];
    if (
      token?.kind !== 'word' ||
      (!token.quoted && ['FROM', 'WHERE', 'AS'].includes(token.text.toUpperCase()))
    ) {
      return undefined;
    }
    names.push(token.text);
    i++;
    if (!isPunct(tokens[i], '.')) return { names, end: i };
    i++;
  }
}
