import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import { SecretError } from '../../secret-error.ts';
import { FileSecretProvider } from './provider.ts';

const KEYTAB = Buffer.from([0x05, 0x02, 0x00, 0x00, 0x00, 0x3c, 0xff, 0x80, 0xfe]);
const isRoot = process.getuid?.() === 0;

/**
 * Reads a secret file with a lenient provider as an unprivileged user: in a child process under
 * `setpriv` as nobody (65534) when the tests run as root (as CI does; root reads a mode-000 file
 * anyway), in this process otherwise. Returns the error's code and message.
 */
async function readUnprivileged(ref: string): Promise<{ code?: string; message?: string }> {
  if (!isRoot) {
    const error = await new FileSecretProvider({ kind: 'file', strictPermissions: false })
      .get(ref)
      .then(
        () => undefined,
        (e: unknown) => e as SecretError,
      );
    return { code: error?.code, message: error?.message };
  }
  const provider = pathToFileURL(join(import.meta.dirname, 'provider.ts')).href;
  const script = [
    `import { FileSecretProvider } from ${JSON.stringify(provider)};`,
    `const provider = new FileSecretProvider({ kind: 'file', strictPermissions: false });`,
    `const error = await provider.get(process.argv[1]).then(() => ({}), (e) => e);`,
    `console.log(JSON.stringify({ code: error.code, message: error.message }));`,
  ].join('\n');
  const child = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      ref,
    ],
    { encoding: 'utf8' },
  );
  if (child.status !== 0)
    throw new Error(`setpriv failed: ${child.error?.message ?? child.stderr}`);
  return JSON.parse(child.stdout) as { code?: string; message?: string };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datakit-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error `promise` rejects with, with the temp dir replaced so snapshots are stable. */
async function failure(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  const secretError = error as SecretError;
  Object.defineProperty(secretError, 'message', {
    value: secretError.message.replaceAll(dir, '<tmp>'),
  });
  return secretError;
}

describe('FileSecretProvider', () => {
  const lenient = new FileSecretProvider({ kind: 'file', strictPermissions: false });
  const strict = new FileSecretProvider({ kind: 'file', strictPermissions: true });

  it('reads a binary file byte for byte', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, KEYTAB, { mode: 0o600 });
    const secret = await lenient.get(`file:${path}`);
    expect(secret.reveal()).toEqual(KEYTAB);
    expect(String(secret)).toBe(`[secret file:${path}]`);
  });

  it('names the path when the file is missing', async () => {
    const error = await failure(lenient.get(`file:${join(dir, 'nope')}`));
    expect(error.code).toBe('missing');
    expect(error.message).toMatchInlineSnapshot(`"Secret file <tmp>/nope does not exist."`);
  });

  it('says the path is not a regular file when it is a directory', async () => {
    await mkdir(join(dir, 'keytab'));
    const error = await failure(lenient.get(`file:${join(dir, 'keytab')}`));
    expect(error.code).toBe('unreadable');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret file <tmp>/keytab is not a regular file."`,
    );
  });

  // Root reads a mode-000 file anyway: as root, the read runs as nobody (readUnprivileged).
  it('says the file exists but is unreadable when permissions forbid reading', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, KEYTAB);
    await chmod(path, 0o000);
    // The directory stays traversable, so only the file's own mode keeps the reader out.
    await chmod(dir, 0o755);
    const error = await readUnprivileged(`file:${path}`);
    expect(error.code).toBe('unreadable');
    expect(error.message?.replaceAll(dir, '<tmp>')).toMatchInlineSnapshot(
      `"Secret file <tmp>/keytab exists but cannot be read (EACCES)."`,
    );
  });

  it('refuses an empty file', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, '', { mode: 0o600 });
    const error = await failure(lenient.get(`file:${path}`));
    expect(error.code).toBe('empty');
    expect(error.message).toMatchInlineSnapshot(`"Secret file <tmp>/keytab is empty."`);
  });

  it('refuses a group- or other-readable file with strictPermissions', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, KEYTAB);
    await chmod(path, 0o640);
    const error = await failure(strict.get(`file:${path}`));
    expect(error.code).toBe('insecure-permissions');
    expect(error.message).toMatchInlineSnapshot(
      `"Secret file <tmp>/keytab is readable by group or others (mode 0640); strictPermissions refuses it."`,
    );
    expect(error.hint).toContain('chmod 600');
  });

  it('reads an owner-only file with strictPermissions', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, KEYTAB);
    await chmod(path, 0o400);
    expect((await strict.get(`file:${path}`)).reveal()).toEqual(KEYTAB);
  });

  it('reads a group-readable file without strictPermissions', async () => {
    const path = join(dir, 'keytab');
    await writeFile(path, KEYTAB);
    await chmod(path, 0o644);
    expect((await lenient.get(`file:${path}`)).reveal()).toEqual(KEYTAB);
  });

  it('refuses a reference of another kind with a ConfigError', async () => {
    await expect(lenient.get('env:PG_PASSWORD')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: The file secret provider cannot read env:PG_PASSWORD; it reads file: references only.]`,
    );
    await expect(lenient.get('env:PG_PASSWORD')).rejects.toBeInstanceOf(ConfigError);
  });
});
