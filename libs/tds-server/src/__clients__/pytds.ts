/** python3-tds (pytds) as an independent client, through pytds_query.py. */
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './run.ts';

const SCRIPT = fileURLToPath(new URL('./pytds_query.py', import.meta.url));

/** How pytds connects. */
export interface PytdsTarget {
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** Log in with pytds.login.KerberosAuth for this service (e.g. `MSSQLSvc@localhost:1433`). */
  kerberos?: string;
  /** Use SPNEGO instead of the raw krb5 mechanism. */
  spnego?: boolean;
  /** TLS: trust this CA file; `login` encrypts the login only. */
  cafile?: string;
  encrypt?: 'login' | 'all';
  env?: NodeJS.ProcessEnv;
}

/** Runs `sql` (with `%s` placeholders for `params`) and returns column names and rows. */
export async function pytdsQuery(
  target: PytdsTarget,
  sql: string,
  params: readonly unknown[] = [],
): Promise<{ header: string[]; rows: (string | null)[][]; result: RunResult }> {
  const args = [SCRIPT, target.host, String(target.port), target.database ?? 'master', sql];
  if (target.kerberos !== undefined) args.push('--kerberos', target.kerberos);
  if (target.spnego === true) args.push('--spnego');
  if (target.user !== undefined)
    args.push('--user', target.user, '--password', target.password ?? '');
  if (target.cafile !== undefined)
    args.push('--cafile', target.cafile, '--encrypt', target.encrypt ?? 'all');
  for (const param of params) args.push('--param', JSON.stringify(param));
  const result = await run('/usr/bin/python3', args, { env: target.env });
  const [header = '[]', ...lines] = result.stdout.split('\n').filter((line) => line.length > 0);
  return {
    header: JSON.parse(header) as string[],
    rows: lines.map((line) => JSON.parse(line) as (string | null)[]),
    result,
  };
}
