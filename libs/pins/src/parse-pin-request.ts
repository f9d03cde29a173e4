import semver from 'semver';
import { ConfigError } from '@datakit/errors';

/** What `datakit pin` was asked for: `<datakit>@<version|range>`. */
export interface PinRequest {
  datakit: string;
  /** An exact version (`1.4.2`) or a semver range (`^1.4.0`), as it goes into warehouse.yaml. */
  requested: string;
}

/**
 * Parses `<datakit>@<version|range>`. Throws a `ConfigError` (exit 2) naming the argument and
 * the field of `file` it would be written to when the text has no `@`, or the part after it is
 * neither a version nor a semver range.
 */
export function parsePinRequest(text: string, file: string): PinRequest {
  const at = text.indexOf('@');
  const datakit = at === -1 ? text : text.slice(0, at);
  const requested = at === -1 ? '' : text.slice(at + 1).trim();
  if (datakit === '' || requested === '') {
    throw new ConfigError(
      `"${text}" is not <datakit>@<version|range>; expected e.g. pagila-bronze@1.4.2 or pagila-bronze@^1.4.0 (written to field "datakits.<datakit>.version" of ${file}).`,
    );
  }
  if (semver.validRange(requested) === null) {
    throw new ConfigError(
      `"${requested}" in "${text}" is neither a version nor a semver range, so it cannot become field "datakits.${datakit}.version" of ${file}; expected e.g. "1.4.2", "^1.4.0" or "~1.4.0".`,
    );
  }
  return { datakit, requested };
}
