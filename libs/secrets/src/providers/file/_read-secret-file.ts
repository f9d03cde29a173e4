import { open, type FileHandle } from 'node:fs/promises';
import { SecretError } from '../../secret-error.ts';

/** How to read one secret file. */
export interface ReadSecretFileOptions {
  /** Refuse a file readable by group or others. */
  strictPermissions: boolean;
  /** The reference for error messages, e.g. `file:/run/secrets/keytab`. */
  ref: string;
  /** What the file is, for messages: `Secret file`, `Delinea credentials file`. */
  what: string;
}

const GROUP_OR_OTHER_READ = 0o044;

/**
 * Reads a whole file into a Buffer. Opens first and checks the opened file (not the path), so the
 * permission check and the read see the same file.
 */
export async function readSecretFile(
  path: string,
  options: ReadSecretFileOptions,
): Promise<Buffer> {
  const { ref, what } = options;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(error, path, options);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new SecretError('unreadable', `${what} ${path} is not a regular file.`, {
        ref,
        hint: 'Mount the secret as a file, not a directory.',
      });
    }
    const mode = stat.mode & 0o777;
    if (options.strictPermissions && (mode & GROUP_OR_OTHER_READ) !== 0) {
      throw new SecretError(
        'insecure-permissions',
        `${what} ${path} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); strictPermissions refuses it.`,
        { ref, hint: `Run chmod 600 ${path} (or mount it with mode 0400).` },
      );
    }
    const bytes = await handle.readFile();
    if (bytes.byteLength === 0) {
      throw new SecretError('empty', `${what} ${path} is empty.`, {
        ref,
        hint: 'Check that the secret was written before this process started.',
      });
    }
    return bytes;
  } catch (error) {
    if (error instanceof SecretError) throw error;
    throw fileError(error, path, options);
  } finally {
    await handle.close();
  }
}

function fileError(
  error: unknown,
  path: string,
  { ref, what }: ReadSecretFileOptions,
): SecretError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new SecretError('missing', `${what} ${path} does not exist.`, {
      ref,
      cause: error,
      hint: 'Check the path and that the secret is mounted into this container.',
    });
  }
  if (code === 'EISDIR') {
    return new SecretError('unreadable', `${what} ${path} is not a regular file.`, {
      ref,
      cause: error,
      hint: 'Mount the secret as a file, not a directory.',
    });
  }
  return new SecretError(
    'unreadable',
    `${what} ${path} exists but cannot be read (${code ?? 'unknown error'}).`,
    {
      ref,
      cause: error,
      hint: `Make it readable by the user this process runs as (uid ${process.getuid?.() ?? '?'}).`,
    },
  );
}
