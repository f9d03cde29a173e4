import * as z from 'zod';
import { lockSchema } from './lock-schema.ts';
import { warehouseSchema } from './warehouse-schema.ts';

/**
 * The JSON Schemas editors use for completion, generated from the zod schemas (never written by
 * hand). Input types: defaults are optional, as a person writes the file.
 */
export function warehouseJsonSchemas(): Record<
  'warehouse.schema.json' | 'lock.schema.json',
  string
> {
  const render = (schema: z.ZodType, id: string): string =>
    `${JSON.stringify({ ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), $id: id }, null, 2)}\n`;
  return {
    'warehouse.schema.json': render(
      warehouseSchema,
      'https://datakit.dev/schemas/warehouse.schema.json',
    ),
    'lock.schema.json': render(lockSchema, 'https://datakit.dev/schemas/lock.schema.json'),
  };
}
