// A runtime input of the datakit `image` target: prints the digest the datakit base image's
// tag has in the registry, so an image assembled on another base (a wiped or another registry)
// is not restored from the cache. Prints a line, never fails: an unreachable registry or a
// missing base hashes as that, and the build itself then says what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createRegistryClient } from '@datakit/registry';

const root = join(import.meta.dirname, '..', '..', '..');
const host = process.env.DATAKIT_REGISTRY ?? '127.0.0.1:5000';
const { version } = JSON.parse(
  readFileSync(join(root, 'platform', 'datakit-base', 'package.json'), 'utf8'),
) as { version: string };
try {
  // The client picks the scheme of a bare host (plain HTTP for loopback only).
  const digest = await createRegistryClient({ url: host }).resolve('datakit-base', version);
  process.stdout.write(`${host}/datakit-base:${version}@${digest}\n`);
} catch {
  process.stdout.write(`${host}/datakit-base:${version} unavailable\n`);
}
