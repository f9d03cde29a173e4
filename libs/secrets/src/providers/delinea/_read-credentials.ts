import { ConfigError } from '@datakit/errors';
import { parseConfig } from '../../_parse-config.ts';
import { SecretValue } from '../../secret-value.ts';
import { readSecretFile } from '../file/_read-secret-file.ts';
import { delineaCredentialsSchema, type DelineaCredentials } from './config.ts';

/**
 * Reads and validates the provider's credentials file. Errors name the file and the fields, never
 * the content: JSON.parse's own message quotes the text, so it is neither shown nor kept as cause.
 */
export async function readCredentials(path: string): Promise<DelineaCredentials> {
  const raw = new SecretValue(
    `file:${path}`,
    await readSecretFile(path, {
      strictPermissions: false,
      ref: `file:${path}`,
      what: 'Delinea credentials file',
    }),
  );
  try {
    let json: unknown;
    try {
      json = JSON.parse(raw.revealText());
    } catch {
      throw new ConfigError(`Delinea credentials file ${path} is not valid JSON.`, {
        hint: 'Expected {"username": "...", "password": "..."} with an optional "domain".',
      });
    }
    return parseConfig(
      delineaCredentialsSchema,
      json,
      `Delinea credentials file ${path} is invalid:`,
    );
  } finally {
    raw.dispose();
  }
}
