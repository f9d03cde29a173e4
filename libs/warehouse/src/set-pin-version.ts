import { isMap, isScalar, parseDocument } from 'yaml';
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
  if (isScalar(node)) node.value = version;
  else pin.set('version', version);
  return document.toString({ lineWidth: 0, singleQuote: true });
}
