// Prints a warehouse's pins as `<datakit>@<requested version>`, one a line, read through the
// warehouse schema (for tools/infra/scripts/main-job.sh, which pins them again).
import { formatError } from '@datakit/errors';
import { loadWarehouse } from '@datakit/warehouse';

try {
  const { warehouse } = loadWarehouse(process.argv[2] ?? '.');
  for (const [name, pin] of Object.entries(warehouse.datakits)) {
    process.stdout.write(`${name}@${pin.version}\n`);
  }
} catch (error) {
  process.stderr.write(`${formatError(error)}\n`);
  process.exit(2);
}
