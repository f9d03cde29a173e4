// A load in a process of its own, for the test that kills it mid-run with SIGKILL.
// argv[2]: JSON { source, target (node-postgres configs), sourceSchema, targetSchema, runId }.
import pg from 'pg';

import { loadTable } from '../load-table.ts';
import { itemLoadOptions } from './items.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  source: pg.ClientConfig;
  target: pg.ClientConfig;
  sourceSchema: string;
  targetSchema: string;
  runId: string;
};
const source = new pg.Client(args.source);
const target = new pg.Client(args.target);
await Promise.all([source.connect(), target.connect()]);
const result = await loadTable(
  itemLoadOptions(
    { source, target, sourceSchema: args.sourceSchema, targetSchema: args.targetSchema },
    {
      runId: args.runId,
      batchSize: 2000,
      onProgress: (counts) => process.stdout.write(`${JSON.stringify(counts)}\n`),
    },
  ),
);
process.stdout.write(`${JSON.stringify({ done: result })}\n`);
await Promise.all([source.end(), target.end()]);
