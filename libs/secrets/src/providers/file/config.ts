import * as z from 'zod';

/** The zod schema of a `file` provider's configuration. Unknown keys are errors. */
export const fileProviderConfigSchema = z.strictObject({
  kind: z.literal('file').meta({ description: 'Reads `file:` references.' }),
  strictPermissions: z
    .boolean()
    .default(false)
    .meta({
      description:
        'Refuse a secret file that group or others may read (mode & 0o044), like ssh does for private keys. Off by default because Kubernetes secret volumes and Docker secrets are often mounted 0644/0444.',
      examples: [true],
    }),
});

/** A `file` provider's configuration as written (defaults not yet applied). */
export type FileProviderConfig = z.input<typeof fileProviderConfigSchema>;

/** A `file` provider's configuration with every default applied. */
export type NormalizedFileProviderConfig = z.output<typeof fileProviderConfigSchema>;
