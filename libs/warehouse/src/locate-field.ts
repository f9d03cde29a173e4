import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';

/** The line of a field of a parsed YAML document, or of the object holding it when it is absent. */
export function lineOfField(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  for (const at of [path, path.slice(0, -1)]) {
    const node = document.getIn(at as (string | number)[], true) as
      { range?: [number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return lineCounter.linePos(offset).line;
  }
  return undefined;
}

/**
 * Where the fields of a warehouse.yaml are: a function from a field's path (e.g.
 * `['environments', 'local', 'secretsDir']`) to its line, or undefined when the file cannot be
 * read or parsed, or has no such field or parent. For problems found after loading (a deploy's
 * host paths, a rendered manifest) to be shown at their line as the load's own problems are.
 */
export function locateFields(file: string): (path: readonly PropertyKey[]) => number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return () => undefined;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return (path) => lineOfField(document, lineCounter, path);
}
