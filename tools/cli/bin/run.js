#!/usr/bin/env node
// The `datakit` command. Node 24 runs the TypeScript commands directly (type stripping); the
// compile cache keeps start-up fast after the first run.
import * as nodeModule from 'node:module';
import process from 'node:process';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `datakit needs Node 24 or newer; this is Node ${process.versions.node} (${process.execPath}).\n` +
      "Run it through npm, which puts the project's Node 24 first on the PATH: `npx datakit …` or `npm run datakit -- …`.\n",
  );
  process.exit(5);
}
nodeModule.enableCompileCache?.();
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
