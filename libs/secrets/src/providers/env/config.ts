import * as z from 'zod';

/** The zod schema of an `env` provider's configuration. Unknown keys are errors. */
export const envProviderConfigSchema = z.strictObject({
  kind: z.literal('env').meta({ description: 'Reads `env:` references from process.env.' }),
});

/** An `env` provider's configuration as written. */
export type EnvProviderConfig = z.input<typeof envProviderConfigSchema>;

/** An `env` provider's configuration with every default applied. */
export type NormalizedEnvProviderConfig = z.output<typeof envProviderConfigSchema>;
