import { describe, expect, it } from 'vitest';
import { ConfigError } from '@datakit/errors';
import * as z from 'zod';
import { formatSecretRef, parseSecretRef, secretRefSchema } from './secret-ref.ts';

const messageOf = (text: string): string => {
  try {
    parseSecretRef(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${text} to be rejected`);
};

describe('parseSecretRef', () => {
  it('parses a file reference into its absolute path', () => {
    expect(parseSecretRef('file:/run/secrets/keytab')).toEqual({
      kind: 'file',
      path: '/run/secrets/keytab',
    });
  });

  it('parses an env reference into the variable name', () => {
    expect(parseSecretRef('env:PG_PASSWORD')).toEqual({ kind: 'env', name: 'PG_PASSWORD' });
  });

  it('parses a delinea reference into a numeric secret id and a field slug', () => {
    expect(parseSecretRef('delinea:4711/keytab')).toEqual({
      kind: 'delinea',
      secretId: 4711,
      field: 'keytab',
    });
  });

  it('gives back the same text when a parsed reference is formatted', () => {
    for (const text of [
      'file:/run/secrets/keytab',
      'env:PG_PASSWORD',
      'delinea:4711/private-key',
    ]) {
      expect(formatSecretRef(parseSecretRef(text))).toBe(text);
    }
  });

  it('rejects bad references with a ConfigError', () => {
    expect(() => parseSecretRef('keytab')).toThrow(ConfigError);
  });

  it('explains a value without a scheme and lists the valid forms', () => {
    expect(messageOf('/run/secrets/keytab')).toMatchInlineSnapshot(
      `""/run/secrets/keytab" is not a secret reference; expected file:<absolute path>, env:<VARIABLE> or delinea:<secretId>/<fieldSlug>."`,
    );
  });

  it('names an unknown scheme', () => {
    expect(messageOf('vault:secret/data/pg')).toMatchInlineSnapshot(
      `"Unknown secret scheme "vault" in "vault:secret/data/pg"; expected file:<absolute path>, env:<VARIABLE> or delinea:<secretId>/<fieldSlug>."`,
    );
  });

  it('requires an absolute path in a file reference', () => {
    expect(messageOf('file:secrets/keytab')).toMatchInlineSnapshot(
      `"The path in "file:secrets/keytab" must be absolute, e.g. file:/run/secrets/keytab."`,
    );
  });

  it('requires a valid variable name in an env reference', () => {
    expect(messageOf('env:PG-PASSWORD')).toMatchInlineSnapshot(
      `""PG-PASSWORD" in "env:PG-PASSWORD" is not an environment variable name; expected letters, digits and _, not starting with a digit, e.g. env:PG_PASSWORD."`,
    );
    expect(() => parseSecretRef('env:')).toThrow(ConfigError);
  });

  it('requires a numeric id and a slug in a delinea reference', () => {
    expect(messageOf('delinea:sql-keytab')).toMatchInlineSnapshot(
      `""delinea:sql-keytab" is not a Delinea reference; expected delinea:<secretId>/<fieldSlug> with a positive numeric id, e.g. delinea:4711/keytab."`,
    );
    for (const bad of [
      'delinea:4711',
      'delinea:4711/',
      'delinea:0/keytab',
      'delinea:abc/keytab',
      'delinea:4711/key tab',
    ]) {
      expect(() => parseSecretRef(bad), bad).toThrow(ConfigError);
    }
  });
});

describe('secretRefSchema', () => {
  it('reports a bad reference at its path inside a larger config', () => {
    const schema = z.object({ keytab: secretRefSchema, password: secretRefSchema });
    const result = schema.safeParse({ keytab: 'delinea:4711/keytab', password: 'hunter2' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      [
        'password',
        '"hunter2" is not a secret reference; expected file:<absolute path>, env:<VARIABLE> or delinea:<secretId>/<fieldSlug>.',
      ],
    ]);
  });
});
