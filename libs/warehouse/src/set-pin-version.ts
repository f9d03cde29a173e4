import { Document, isMap, isNode, isScalar, parseDocument, stringify } from 'yaml';
import { ConfigError } from '@datakit/errors';

/**
 * Returns warehouse.yaml text with `datakits.<datakit>.version` set to `version`, every other
 * byte kept: comments, key order, quoting and long lines (the `yaml` Document API edits the
 * node in place). The value is quoted when YAML would otherwise read it as a number
 * (`"1.0"`), single quotes as the repository's Prettier setting writes them. Throws a
 * `ConfigError` naming the file and field when the datakit is not pinned in the text.
 */
export function setPinVersion(
  text: string,
  file: string,
  datakit: string,
  version: string,
): string {
  const document = parseDocument(text);
  const pin = document.getIn(['datakits', datakit], true);
  if (!isMap(pin)) {
    throw new ConfigError(
      `${file}: field "datakits" has no datakit "${datakit}" to set the version of.`,
    );
  }
  const node = pin.get('version', true);
  // The scalar's own bytes are replaced, so the rest of the file (flow sequences, spacing,
  // comments) stays exactly as it was written.
  if (isScalar(node) && node.range !== undefined && node.range !== null) {
    const [start, end] = node.range;
    const written = stringify(version, { singleQuote: true, lineWidth: 0 }).trimEnd();
    return `${text.slice(0, start)}${written}${text.slice(end)}`;
  }
  pin.set('version', version);
  return document.toString({ lineWidth: 0, singleQuote: true });
}

/** What a new pin starts with: a version or range, and its source and target connections. */
export interface NewPin {
  version: string;
  source: string;
  target: string;
}

/**
 * Returns warehouse.yaml text with a new block `datakits.<datakit>` (version, source, target)
 * after the other pins, every other byte kept. Throws a `ConfigError` naming the file and field
 * when the datakit is pinned already.
 */
export function addPin(text: string, file: string, datakit: string, pin: NewPin): string {
  const document = parseDocument(text);
  if (document.hasIn(['datakits', datakit])) {
    throw new ConfigError(`${file}: field "datakits.${datakit}" exists already.`);
  }
  const datakits = document.get('datakits', true);
  const last = isMap(datakits) && !datakits.flow ? datakits.items.at(-1) : undefined;
  const keyAt = isScalar(last?.key) ? last.key.range?.[0] : undefined;
  const valueEnd = isNode(last?.value) ? last.value.range?.[1] : undefined;
  if (keyAt === undefined || valueEnd === undefined) {
    // No block of pins to follow: the map is written anew, in block style.
    const block = document.createNode({
      ...(isMap(datakits) ? (datakits.toJSON() as object) : {}),
      [datakit]: pin,
    });
    block.flow = false;
    document.set('datakits', block);
    return document.toString({ lineWidth: 0, singleQuote: true });
  }
  // After the last pin's lines, at its indentation, so every other byte stays as it was.
  const indent = text.slice(text.lastIndexOf('\n', keyAt - 1) + 1, keyAt);
  const lines = new Document({ [datakit]: pin })
    .toString({ lineWidth: 0, singleQuote: true })
    .trimEnd()
    .split('\n')
    .map((line) => `${indent}${line}\n`)
    .join('');
  const lineEnd = text.indexOf('\n', valueEnd - 1);
  const at = lineEnd === -1 ? text.length : lineEnd + 1;
  const before = lineEnd === -1 ? `${text}\n` : text.slice(0, at);
  return `${before}${lines}${text.slice(at)}`;
}
