import { ConfigError } from '@datakit/errors';
import { formatSecretRef, toSecretRef, type SecretRef, type SecretRefKind } from './secret-ref.ts';
import type { SecretValue } from './secret-value.ts';

/**
 * Reads secrets of one kind (file, env, delinea). Every provider has the same shape, so the
 * Kerberos sidecar and the datakit runtime do not care where a keytab or password lives.
 */
export interface SecretProvider {
  /** The reference scheme this provider reads. */
  readonly kind: SecretRefKind;
  /**
   * Reads one secret. Accepts the reference as written in warehouse.yaml or parsed.
   *
   * @throws ConfigError when the reference is malformed or of another kind.
   * @throws SecretError when the secret cannot be read; its `code` says why.
   */
  get(ref: SecretRef | string): Promise<SecretValue>;
}

/** Parses `ref` and checks that the provider of `kind` can read it. */
export function refForProvider<K extends SecretRefKind>(
  kind: K,
  ref: SecretRef | string,
): Extract<SecretRef, { kind: K }> {
  const parsed = toSecretRef(ref);
  if (parsed.kind !== kind) {
    throw new ConfigError(
      `The ${kind} secret provider cannot read ${formatSecretRef(parsed)}; it reads ${kind}: references only.`,
      { hint: `Configure a ${parsed.kind} secret provider for this reference.` },
    );
  }
  return parsed as Extract<SecretRef, { kind: K }>;
}
