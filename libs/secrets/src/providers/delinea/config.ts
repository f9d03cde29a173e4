import { isAbsolute } from 'node:path';
import * as z from 'zod';

/** The zod schema of a `delinea` provider's configuration. Unknown keys are errors. */
export const delineaProviderConfigSchema = z.strictObject({
  kind: z
    .literal('delinea')
    .meta({ description: 'Reads `delinea:<secretId>/<fieldSlug>` references.' }),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .meta({
      description:
        'The Secret Server application URL: `/oauth2/token` and `/api/v1/...` are appended to it.',
      examples: ['https://secrets.corp.example/SecretServer'],
    }),
  credentialsFile: z
    .string()
    .refine((path) => isAbsolute(path), 'must be an absolute path')
    .meta({
      description:
        'A mounted JSON file with the provider\'s own Secret Server login: `{ "username": "svc-datakit", "password": "...", "domain": "CORP" }` (domain optional). Read again whenever a token is needed, so a rotated file is picked up.',
      examples: ['/run/secrets/delinea.json'],
    }),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .meta({ description: 'How long one HTTP request may take.', examples: [10_000] }),
  tokenRefreshMarginSeconds: z
    .number()
    .int()
    .nonnegative()
    .default(60)
    .meta({
      description:
        "Get a new access token this long before the cached one expires (by its `expires_in`); at most half the token's lifetime.",
      examples: [60],
    }),
});

/** A `delinea` provider's configuration as written (defaults not yet applied). */
export type DelineaProviderConfig = z.input<typeof delineaProviderConfigSchema>;

/** A `delinea` provider's configuration with every default applied. */
export type NormalizedDelineaProviderConfig = z.output<typeof delineaProviderConfigSchema>;

/**
 * The shape of the credentials file: the Secret Server user the provider logs in as, sent as
 * the OAuth2 password grant. `domain` is for Active Directory users (Delinea's SDKs send it as a
 * `domain` form field next to username and password).
 *
 * @example `{ "username": "svc-datakit", "password": "s3cret", "domain": "CORP" }`
 */
export const delineaCredentialsSchema = z.strictObject({
  username: z.string().min(1).meta({ description: 'The Secret Server user.' }),
  password: z.string().min(1).meta({ description: "The user's password." }),
  domain: z.string().min(1).optional().meta({ description: 'Active Directory domain, if any.' }),
});

/** The parsed credentials file. */
export type DelineaCredentials = z.output<typeof delineaCredentialsSchema>;
