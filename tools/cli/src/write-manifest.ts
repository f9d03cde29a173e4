// Writes oclif.manifest.json: oclif then lists commands and shows help from this file instead of
// importing every command (and every library behind it). `npm run manifest -w @datakit/cli`;
// a test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestJson } from './manifest.ts';

writeFileSync(join(import.meta.dirname, '..', 'oclif.manifest.json'), await manifestJson());
