import { readFile } from 'node:fs/promises';
import { ConfigError } from '@datakit/errors';
import { CONFIG_FILE_VAR, parseSidecarConfig, type NormalizedSidecarConfig } from './config.ts';

/**
 * Reads the configuration: the JSON file named by `SIDECAR_CONFIG_FILE` (if set), then the
 * `SIDECAR_*` variables, which win.
 *
 * @throws ConfigError naming the file or each invalid field and its variable.
 */
export async function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Promise<NormalizedSidecarConfig> {
  const file = env[CONFIG_FILE_VAR];
  if (file === undefined || file === '') return parseSidecarConfig({}, env);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new ConfigError(`The config file ${file} (${CONFIG_FILE_VAR}) cannot be read as JSON.`, {
      cause,
      hint: 'Mount a JSON object with the fields of platform/kerberos-sidecar/README.md, or unset the variable.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`The config file ${file} (${CONFIG_FILE_VAR}) must hold a JSON object.`);
  }
  return parseSidecarConfig(parsed as Record<string, unknown>, env, `${file} and environment`);
}
