import { formatSecretRef, type SecretRef } from '../../secret-ref.ts';
import { refForProvider, type SecretProvider } from '../../secret-provider.ts';
import { SecretValue } from '../../secret-value.ts';
import type { NormalizedFileProviderConfig } from './config.ts';
import { readSecretFile } from './_read-secret-file.ts';

/**
 * Reads `file:` references: the whole file, as bytes. For development (a keytab on disk) and for
 * secrets mounted by Docker or Kubernetes.
 *
 * Errors say whether the file is missing, empty, not a regular file or unreadable, and name
 * the path. With `strictPermissions: true` a file that group or others may read
 * (`mode & 0o044`) is refused with code `insecure-permissions`.
 */
export class FileSecretProvider implements SecretProvider {
  readonly kind = 'file';
  readonly #config: NormalizedFileProviderConfig;

  constructor(config: NormalizedFileProviderConfig) {
    this.#config = config;
  }

  async get(ref: SecretRef | string): Promise<SecretValue> {
    const fileRef = refForProvider('file', ref);
    const name = formatSecretRef(fileRef);
    const bytes = await readSecretFile(fileRef.path, {
      strictPermissions: this.#config.strictPermissions,
      ref: name,
      what: 'Secret file',
    });
    return new SecretValue(name, bytes);
  }
}
