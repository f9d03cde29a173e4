import { afterEach, describe, expect, it } from 'vitest';
import { SecretError } from '../../secret-error.ts';
import { EnvSecretProvider } from './provider.ts';

const NAME = `DATAKIT_SECRETS_TEST_${process.pid}`;
const provider = new EnvSecretProvider({ kind: 'env' });

afterEach(() => {
  delete process.env[NAME];
});

async function failure(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

describe('EnvSecretProvider', () => {
  it('reads a variable as UTF-8 bytes', async () => {
    process.env[NAME] = 'pässwörd';
    const secret = await provider.get(`env:${NAME}`);
    expect(secret.revealText()).toBe('pässwörd');
    expect(secret.reveal()).toEqual(Buffer.from('pässwörd', 'utf8'));
  });

  it('reads the variable when get() is called, not when the provider is created', async () => {
    process.env[NAME] = 'first';
    expect((await provider.get(`env:${NAME}`)).revealText()).toBe('first');
    process.env[NAME] = 'second';
    expect((await provider.get(`env:${NAME}`)).revealText()).toBe('second');
  });

  it('names the variable when it is not set', async () => {
    const error = await failure(provider.get('env:DATAKIT_SECRETS_TEST_UNSET_VARIABLE'));
    expect(error.code).toBe('missing');
    expect(error.ref).toBe('env:DATAKIT_SECRETS_TEST_UNSET_VARIABLE');
    expect(error.message).toMatchInlineSnapshot(
      `"Environment variable DATAKIT_SECRETS_TEST_UNSET_VARIABLE is not set."`,
    );
  });

  it('names the variable when it is set but empty', async () => {
    process.env[NAME] = '';
    const error = await failure(provider.get(`env:${NAME}`));
    expect(error.code).toBe('empty');
    expect(error.message).toBe(`Environment variable ${NAME} is set but empty.`);
  });
});
