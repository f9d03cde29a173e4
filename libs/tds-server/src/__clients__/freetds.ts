/**
 * FreeTDS as an independent client: `tsql` (the TDS layer, prints every type but dates in a
 * lossy locale format) and the FreeTDS ODBC driver through unixODBC's `isql` (ISO dates and
 * times with all 7 digits, values cut at 300 characters, NULL printed as an empty field).
 * Each call writes its own freetds.conf / odbc.ini into `dir`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './run.ts';

/** Where and how to connect. Without `user`, FreeTDS logs in with Kerberos (GSSAPI). */
export interface FreeTdsTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** freetds.conf `encryption`: off, request (login-only TLS when the server says OFF), require. */
  encryption?: 'off' | 'request' | 'require';
  realm?: string;
  /** ODBC only: the SPN to ask a ticket for (FreeTDS otherwise uses MSSQLSvc/host:port). */
  serverSpn?: string;
  env?: NodeJS.ProcessEnv;
}

const ODBC_DRIVER = '/usr/lib/x86_64-linux-gnu/odbc/libtdsodbc.so';

/** Runs `sql` with tsql; rows as fields, 'NULL' as null. */
export async function tsqlQuery(
  dir: string,
  target: FreeTdsTarget,
  sql: string,
): Promise<{ rows: (string | null)[][]; result: RunResult }> {
  const conf = join(dir, 'freetds.conf');
  writeFileSync(
    conf,
    [
      '[global]',
      '  client charset = UTF-8',
      '[target]',
      `  host = ${target.host}`,
      `  port = ${target.port}`,
      '  tds version = 7.4',
      `  encryption = ${target.encryption ?? 'off'}`,
      ...(target.realm === undefined ? [] : [`  realm = ${target.realm}`]),
      '',
    ].join('\n'),
  );
  const credentials =
    target.user === undefined ? [] : ['-U', target.user, '-P', target.password ?? ''];
  const result = await run('tsql', ['-S', 'target', ...credentials, '-o', 'fhq'], {
    input: `${sql}\ngo\nexit\n`,
    env: { ...target.env, FREETDSCONF: conf, FREETDS: dir },
  });
  const rows = result.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t').map((field) => (field === 'NULL' ? null : field)));
  return { rows, result };
}

/** Runs `sql` with the FreeTDS ODBC driver through isql; header then rows, '' as null. */
export async function odbcQuery(
  dir: string,
  target: FreeTdsTarget,
  sql: string,
): Promise<{ header: string[]; rows: (string | null)[][]; result: RunResult }> {
  writeFileSync(join(dir, 'odbcinst.ini'), `[FreeTDS]\nDriver=${ODBC_DRIVER}\n`);
  writeFileSync(
    join(dir, 'odbc.ini'),
    [
      '[target]',
      'Driver=FreeTDS',
      `Server=${target.host}`,
      `Port=${target.port}`,
      'TDS_Version=7.4',
      'ClientCharset=UTF-8',
      `Encryption=${target.encryption ?? 'off'}`,
      ...(target.realm === undefined ? [] : [`REALM=${target.realm}`]),
      ...(target.serverSpn === undefined ? [] : [`ServerSPN=${target.serverSpn}`]),
      '',
    ].join('\n'),
  );
  const credentials = target.user === undefined ? [] : [target.user, target.password ?? ''];
  const result = await run('isql', ['-v', '-b', '-d|', '-c', 'target', ...credentials], {
    input: `${sql}\n`,
    env: { ...target.env, ODBCSYSINI: dir, ODBCINI: join(dir, 'odbc.ini') },
  });
  const [header = '', ...lines] = result.stdout
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('SQLRowCount'));
  return {
    header: header.split('|'),
    rows: lines.map((line) => line.split('|').map((field) => (field === '' ? null : field))),
    result,
  };
}
