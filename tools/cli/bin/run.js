#!/usr/bin/env node
// The `datakit` command. Node 24 runs the TypeScript commands directly (type stripping).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
