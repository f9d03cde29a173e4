// `npm run schema -w @datakit/warehouse`: writes the JSON Schemas next to this library. A unit
// test fails when the committed files differ from what the zod schemas generate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warehouseJsonSchemas } from './json-schema.ts';

const dir = join(import.meta.dirname, '..', 'schema');
for (const [name, text] of Object.entries(warehouseJsonSchemas())) {
  writeFileSync(join(dir, name), text);
  process.stdout.write(`wrote ${join(dir, name)}\n`);
}
