import { ConfigError, EnvironmentError, isDatakitError } from '@datakit/errors';
import { createSecretProvider, formatSecretRef } from '@datakit/secrets';
import type { SecretRef } from '@datakit/secrets';

import type { ConnectionRole } from './adapter.ts';

/**
 * Reads a connection's password from its secret reference (a mounted file or an environment
 * variable; a trailing newline is dropped). A `delinea:` reference is a `ConfigError`: the
 * deployer resolves those into mounted files. Anything else that fails is an
 * `EnvironmentError` naming the reference, never the value.
 */
export async function readPassword(role: ConnectionRole, ref: SecretRef): Promise<string> {
  if (ref.kind === 'delinea') {
    throw new ConfigError(
      `${role}.password is ${formatSecretRef(ref)}, but a datakit reads only file: and env: secret references.`,
      { hint: 'Mount the secret as a file (the deployer does this) and use file:<path>.' },
    );
  }
  try {
    const secret = await createSecretProvider({ kind: ref.kind }).get(ref);
    try {
      return secret.revealText().replace(/\r?\n$/, '');
    } finally {
      secret.dispose();
    }
  } catch (cause) {
    if (isDatakitError(cause) && cause.name === 'ConfigError') throw cause;
    throw new EnvironmentError(
      `The ${role} password cannot be read from ${formatSecretRef(ref)}: ${(cause as Error).message}`,
      { hint: `Mount the secret there, or fix ${role}.password in the config file.`, cause },
    );
  }
}
