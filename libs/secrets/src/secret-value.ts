import { inspect } from 'node:util';
import { SecretError } from './secret-error.ts';

/**
 * Bytes read from a secret store (a keytab is binary, a password is UTF-8) that never print
 * themselves: `String()`, template literals, `JSON.stringify`, `util.inspect` and `console.log`
 * all show `[secret <name>]`. The bytes are reachable only through {@link SecretValue.reveal}.
 *
 * Call {@link SecretValue.dispose} (or declare it with `using`) once the bytes are written where
 * they are needed: it zero-fills the buffer.
 *
 * @example
 * ```ts
 * const keytab = await provider.get('delinea:4711/keytab');
 * try {
 *   await writeFile(path, keytab.reveal(), { mode: 0o600 });
 * } finally {
 *   keytab.dispose();
 * }
 * ```
 */
export class SecretValue {
  /** What the secret is called in messages: its reference, e.g. `env:PG_PASSWORD`. */
  readonly name: string;
  #bytes: Buffer | undefined;

  /** Takes ownership of `bytes`: the caller should not keep its own reference. */
  constructor(name: string, bytes: Buffer) {
    this.name = name;
    this.#bytes = bytes;
  }

  /**
   * The secret's bytes. This is the buffer itself, not a copy, so that `dispose()` also wipes
   * what was handed out; do not keep it past `dispose()`.
   */
  reveal(): Buffer {
    if (this.#bytes === undefined) {
      throw new SecretError(
        'disposed',
        `The secret ${this.name} was disposed before it was read.`,
        {
          ref: this.name,
          hint: 'Read the value before calling dispose(), or get the secret again.',
        },
      );
    }
    return this.#bytes;
  }

  /**
   * The bytes decoded as text (UTF-8 by default), for passwords. A JavaScript string cannot be
   * wiped, so prefer {@link SecretValue.reveal} where a Buffer is accepted.
   */
  revealText(encoding: BufferEncoding = 'utf8'): string {
    return this.reveal().toString(encoding);
  }

  /** How many bytes the secret has (0 once disposed). Safe to log. */
  get byteLength(): number {
    return this.#bytes?.byteLength ?? 0;
  }

  /** Whether `dispose()` has been called. */
  get disposed(): boolean {
    return this.#bytes === undefined;
  }

  /** Zero-fills the bytes and forgets them. Calling it twice is harmless. */
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }

  /** Same as `dispose()`, so `using secret = await provider.get(ref)` wipes it at scope end. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `[secret <name>]`, never the value. */
  toString(): string {
    return `[secret ${this.name}]`;
  }

  /** `[secret <name>]`, never the value, so a secret inside logged JSON stays hidden. */
  toJSON(): string {
    return this.toString();
  }

  /** What `util.inspect`, `console.log` and the REPL show. */
  [inspect.custom](): string {
    return this.toString();
  }
}
