// What the benches give psql: the connection as libpq's environment variables.
import type { PostgresConnection } from '@datakit/local-infra';

/** The environment psql connects with to `connection` (the password never on a command line). */
export function psqlEnv(connection: PostgresConnection): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: connection.host,
    PGPORT: String(connection.port),
    PGUSER: connection.user,
    PGPASSWORD: connection.password,
    PGDATABASE: connection.database,
  };
}
