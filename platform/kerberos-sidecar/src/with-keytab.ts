import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretProvider, SecretRef } from '@datakit/secrets';

/**
 * Reads the keytab from the secret store, writes it (mode 0400) into the private tmpfs
 * directory, runs `use` with its path, and removes it again whatever happens: the keytab exists
 * as a file only while kinit reads it, and its bytes in memory are zero-filled.
 */
export async function withKeytab<T>(
  provider: SecretProvider,
  ref: SecretRef,
  privateDir: string,
  use: (keytabPath: string) => Promise<T>,
): Promise<T> {
  const path = join(privateDir, 'keytab');
  const secret = await provider.get(ref);
  try {
    await writeFile(path, secret.reveal(), { mode: 0o400, flag: 'wx' });
  } finally {
    secret.dispose();
  }
  try {
    return await use(path);
  } finally {
    await rm(path, { force: true });
  }
}
