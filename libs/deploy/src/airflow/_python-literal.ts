// Python source for JSON-like values: what the Airflow DAG files are made of. Deterministic: keys
// keep the order they were built in, so the same value always gives the same bytes.

const INDENT = '    ';
const INLINE_WIDTH = 72;

/** A Python expression (that is raw source, not a string value), e.g. `Asset(uri="…")`. */
export class PythonExpression {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

/** A JSON-like value as a Python literal: dicts and lists one item a line, scalars inline. */
export function pythonLiteral(value: unknown, depth = 0): string {
  if (value instanceof PythonExpression) return value.source;
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  // JSON's escapes (\" \\ \n \uXXXX ...) are Python's too.
  if (typeof value === 'string') return JSON.stringify(value);
  const pad = INDENT.repeat(depth + 1);
  const end = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => pythonLiteral(item, depth + 1));
    const inline = `[${items.join(', ')}]`;
    const scalars = value.every((item) => item === null || typeof item !== 'object');
    if (scalars && inline.length + pad.length <= INLINE_WIDTH) return inline;
    return `[\n${items.map((item) => `${pad}${item},\n`).join('')}${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(
      ([key, v]) => `${pad}${JSON.stringify(key)}: ${pythonLiteral(v, depth + 1)},\n`,
    );
    return `{\n${lines.join('')}${end}}`;
  }
  throw new Error(`cannot write a ${typeof value} as a Python literal`);
}

/** Keyword arguments of a call, one a line: `name=value,`. */
export function pythonKeywords(args: Record<string, unknown>, depth: number): string {
  const pad = INDENT.repeat(depth + 1);
  return Object.entries(args)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => `${pad}${name}=${pythonLiteral(v, depth + 1)},\n`)
    .join('');
}
