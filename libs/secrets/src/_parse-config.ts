import type { z } from 'zod';
import { ConfigError } from '@datakit/errors';

/**
 * Parses `input` with `schema`; on failure throws one ConfigError listing every issue under
 * `header`, each with its path. Issue messages never contain the input's values.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  header: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  - ${path}: ${issue.message}`;
  });
  throw new ConfigError(`${header}\n${lines.join('\n')}`);
}
