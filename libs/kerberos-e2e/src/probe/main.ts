// A datakit-shaped probe, bundled and run on the real datakit-base image: it opens the
// Kerberos connection the way every datakit does (@datakit/databases' openSource, pg-native
// with the sidecar's ticket cache) and reads pagila. One JSON line per round on stdout; a
// failure is the runtime's one paragraph on stderr and its exit code.
//
// PROBE_CONNECTION  the connection (warehouse.yaml's shape, auth kerberos), JSON
// PROBE_SECONDS     keep going this long: a session opened at the start stays open and is
//                   queried again each round, next to a fresh login (default 0: one round)
// PROBE_INTERVAL    seconds between rounds (default 20)
import { setTimeout as sleep } from 'node:timers/promises';
import { exitCodeOf, formatError } from '@datakit/errors';
import { openSource, type PostgresSession } from '@datakit/databases';
import type { Connection } from '@datakit/warehouse';

const connection = JSON.parse(process.env.PROBE_CONNECTION ?? '{}') as Connection;
const seconds = Number(process.env.PROBE_SECONDS ?? '0');
const interval = Number(process.env.PROBE_INTERVAL ?? '20');
const QUERY = 'select current_user as "user", count(*)::int as films from film';

try {
  const started = Date.now();
  const open = async () => (await openSource('source', connection)) as PostgresSession;
  const kept = await open();
  try {
    for (let round = 0; ; round += 1) {
      const fresh = round === 0 ? kept : await open();
      try {
        const [a, b] = await Promise.all([kept.client.query(QUERY), fresh.client.query(QUERY)]);
        const line = {
          round,
          at: new Date().toISOString(),
          kept: a.rows[0] as unknown,
          fresh: b.rows[0] as unknown,
          native: Boolean((fresh.client as unknown as { native?: unknown }).native),
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      } finally {
        if (fresh !== kept) await fresh.close();
      }
      if (Date.now() - started + interval * 1000 > seconds * 1000) break;
      await sleep(interval * 1000);
    }
  } finally {
    await kept.close();
  }
} catch (error) {
  process.stderr.write(`${formatError(error)}\n`);
  process.exitCode = exitCodeOf(error);
}
