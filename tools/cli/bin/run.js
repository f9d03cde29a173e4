#!/usr/bin/env node
// The `datakit` command. Node 24 runs the TypeScript commands directly (type stripping); the
// compile cache keeps start-up fast after the first run.
import { enableCompileCache } from 'node:module';
import { execute } from '@oclif/core';

enableCompileCache?.();
await execute({ dir: import.meta.url });
