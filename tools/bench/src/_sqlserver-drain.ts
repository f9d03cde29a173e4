// bench:load's SQL Server read-only ceiling, run in a child process (its peak RSS measured by
// GNU time): the SQL Server adapter streams [Sales].[Orders] from the TDS test server and drops
// the rows, so the datakit run's figure can be read against what the source alone delivers.
// Usage: node _sqlserver-drain.ts <port> <password file>; prints {"rows": n} on stdout.
import { openSource } from '@datakit/databases';
import { formatError } from '@datakit/errors';

import { BENCH_LOGIN, Orders } from './_sqlserver-orders.ts';

const [port, passwordFile] = process.argv.slice(2);
try {
  const source = await openSource('source', {
    kind: 'sqlserver',
    host: '127.0.0.1',
    port: Number(port),
    database: BENCH_LOGIN.database,
    auth: 'sql',
    user: BENCH_LOGIN.user,
    password: { kind: 'file', path: passwordFile ?? '' },
    driver: 'tedious',
    encrypt: false,
    trustServerCertificate: false,
  });
  try {
    const rows = await source.read({
      schema: 'sales',
      table: Orders,
      cursor: null,
      batchSize: 10_000,
      format: 'text',
    });
    if (rows.kind !== 'fields') throw new Error('expected fields from SQL Server');
    let count = 0;
    for await (const batch of rows.batches) count += batch.length;
    process.stdout.write(`${JSON.stringify({ rows: count })}\n`);
  } finally {
    await source.close();
  }
} catch (error) {
  process.stderr.write(`sqlserver-drain: ${formatError(error)}\n`);
  process.exitCode = 1;
}
