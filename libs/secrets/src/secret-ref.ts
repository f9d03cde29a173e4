import { isAbsolute } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '@datakit/errors';

/** A secret in a file, e.g. `file:/run/secrets/keytab`. */
export interface FileSecretRef {
  kind: 'file';
  /** Absolute path of the file. */
  path: string;
}

/** A secret in an environment variable, e.g. `env:PG_PASSWORD`. */
export interface EnvSecretRef {
  kind: 'env';
  /** Name of the variable. */
  name: string;
}

/** One field of a Delinea Secret Server secret, e.g. `delinea:4711/keytab`. */
export interface DelineaSecretRef {
  kind: 'delinea';
  /** The numeric secret id. */
  secretId: number;
  /** The field's slug on the secret template, e.g. `keytab`, `password`. */
  field: string;
}

/** A parsed secret reference: where a secret lives, never its value. */
export type SecretRef = FileSecretRef | EnvSecretRef | DelineaSecretRef;

/** The scheme of a reference: which provider reads it. */
export type SecretRefKind = SecretRef['kind'];

/** Every scheme this library knows, in the order messages list them. */
export const SECRET_REF_KINDS: readonly SecretRefKind[] = ['file', 'env', 'delinea'];

const FORMS = 'file:<absolute path>, env:<VARIABLE> or delinea:<secretId>/<fieldSlug>';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DELINEA_BODY = /^([0-9]+)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** Parses one reference; returns the problem as text when it is not valid. */
function parseRefText(text: string): SecretRef | string {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    return `"${text}" is not a secret reference; expected ${FORMS}.`;
  }
  const scheme = text.slice(0, colon);
  const body = text.slice(colon + 1);
  switch (scheme) {
    case 'file':
      if (!isAbsolute(body)) {
        return `The path in "${text}" must be absolute, e.g. file:/run/secrets/keytab.`;
      }
      return { kind: 'file', path: body };
    case 'env':
      if (!ENV_NAME.test(body)) {
        return `"${body}" in "${text}" is not an environment variable name; expected letters, digits and _, not starting with a digit, e.g. env:PG_PASSWORD.`;
      }
      return { kind: 'env', name: body };
    case 'delinea': {
      const match = DELINEA_BODY.exec(body);
      const secretId = Number(match?.[1]);
      if (!match || !Number.isSafeInteger(secretId) || secretId <= 0) {
        return `"${text}" is not a Delinea reference; expected delinea:<secretId>/<fieldSlug> with a positive numeric id, e.g. delinea:4711/keytab.`;
      }
      return { kind: 'delinea', secretId, field: match[2] as string };
    }
    default:
      return `Unknown secret scheme "${scheme}" in "${text}"; expected ${FORMS}.`;
  }
}

/**
 * The zod schema of a secret reference as written in warehouse.yaml: a string that parses into
 * a {@link SecretRef}. Embed it in config schemas so a bad reference is reported with the
 * other config errors.
 */
export const secretRefSchema = z
  .string()
  .transform((text, ctx): SecretRef => {
    const parsed = parseRefText(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed, input: text });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({
    description: `Where a secret lives, never its value: ${FORMS}.`,
    examples: ['file:/run/secrets/keytab', 'env:PG_PASSWORD', 'delinea:4711/keytab'],
  });

/**
 * Parses a reference such as `delinea:4711/keytab`.
 *
 * @throws ConfigError naming the reference and the valid forms.
 */
export function parseSecretRef(text: string): SecretRef {
  const parsed = parseRefText(text);
  if (typeof parsed === 'string') {
    throw new ConfigError(parsed, {
      hint: 'Secret references look like file:/run/secrets/keytab, env:PG_PASSWORD or delinea:4711/keytab.',
    });
  }
  return parsed;
}

/** The text form of a reference: `formatSecretRef(parseSecretRef(s)) === s`. */
export function formatSecretRef(ref: SecretRef): string {
  switch (ref.kind) {
    case 'file':
      return `file:${ref.path}`;
    case 'env':
      return `env:${ref.name}`;
    case 'delinea':
      return `delinea:${ref.secretId}/${ref.field}`;
    default:
      throw new Error(`Unknown secret reference ${JSON.stringify(ref satisfies never)}`);
  }
}

/** Accepts a reference as text or parsed, returns it parsed. */
export function toSecretRef(ref: SecretRef | string): SecretRef {
  return typeof ref === 'string' ? parseSecretRef(ref) : ref;
}
