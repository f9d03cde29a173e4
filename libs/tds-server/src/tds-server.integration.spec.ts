// The TDS server checked against independent clients: FreeTDS (tsql, and its ODBC driver
// through isql) and python3-tds (pytds) read [Sales Data].[AllTypes] and must see exactly the
// fixture's values (compared value by value and by checksum), with and without TLS; Kerberos
// logins are verified against the local KDC (`npm run infra:up`) with the
// MSSQLSvc/localhost:1433 keytab it exports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infraPaths } from '@datakit/local-infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { odbcQuery, tsqlQuery, type FreeTdsTarget } from './__clients__/freetds.ts';
import { normalizeClientText, truncateFraction } from './__clients__/normalize.ts';
import { pytdsQuery } from './__clients__/pytds.ts';
import {
  type CanonicalValue,
  type TdsColumn,
  type TdsHandler,
  type TdsRequest,
  type TdsServer,
  type TdsValue,
  canonicalRows,
  checksumRows,
  selfSignedCertificate,
  startTdsServer,
  typesFixture,
} from './index.ts';

const LOGIN = { user: 'loader', password: 'S3cret;pass' };
const TABLE = '[Sales Data].[AllTypes]';
const columns = typesFixture.columns;
const fixtureRows = canonicalRows(columns, typesFixture.rows as Iterable<readonly TdsValue[]>);
const TEMPORAL = new Set([
  'date',
  'time',
  'datetime',
  'smalldatetime',
  'datetime2',
  'datetimeoffset',
]);

const quote = (name: string): string => `[${name.replaceAll(']', ']]')}]`;
const selectOf = (cols: readonly TdsColumn[]): string =>
  `SELECT ${cols.map((c) => quote(c.name)).join(', ')} FROM ${TABLE}`;

let dir: string;
let cert: { cert: Buffer; key: Buffer; certFile: string };
const logs: string[] = [];
const log = (line: string): void => {
  logs.push(line);
};

const parameterLog: ((request: TdsRequest) => void)[] = [];

/** Echoes sp_executesql parameters back as one row, each with its own type. */
const echoParameters: TdsHandler = (request) => {
  if (!request.sql.startsWith('SELECT /*echo*/')) return undefined;
  for (const listener of parameterLog) listener(request);
  const names = [...request.parameters.keys()];
  return [
    {
      columns: names.map((name) => {
        const p = request.parameters.get(name);
        return {
          name,
          type: p?.type ?? 'int',
          length: p?.length ?? 'max',
          precision: p?.precision ?? 38,
          scale: p?.scale ?? 0,
        };
      }),
      rows: [names.map((name) => request.parameters.get(name)?.value ?? null)],
    },
  ];
};

/** FreeTDS reads the fixture: tsql for every column but the temporal ones, ODBC for those. */
async function readWithFreeTds(target: FreeTdsTarget): Promise<CanonicalValue[][]> {
  const plain = columns.filter((c) => !TEMPORAL.has(c.type));
  const temporal = columns.filter((c) => TEMPORAL.has(c.type));
  const tsql = await tsqlQuery(dir, target, selectOf(plain));
  expect(tsql.result.stderr).not.toMatch(/Msg \d+|error/i);
  const odbc = await odbcQuery(dir, target, selectOf(temporal));
  expect(odbc.result.code, odbc.result.stdout + odbc.result.stderr).toBe(0);
  expect(odbc.header).toEqual(temporal.map((c) => c.name));
  return tsql.rows.map((row, r) =>
    columns.map((column) => {
      const plainIndex = plain.indexOf(column);
      const text =
        plainIndex >= 0
          ? (row[plainIndex] ?? null)
          : (odbc.rows[r]?.[temporal.indexOf(column)] ?? null);
      return normalizeClientText(column, text);
    }),
  );
}

/** The fixture as a client with microsecond datetimes sees it. */
const fixtureInMicroseconds = fixtureRows.map((row) =>
  row.map((value, i) => truncateFraction(columns[i] as TdsColumn, value, 6)),
);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tds-server-'));
  cert = selfSignedCertificate(dir);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQL logins', () => {
  let plain: TdsServer;
  let tls: TdsServer;
  let forced: TdsServer;

  beforeAll(async () => {
    const options = {
      logins: { [LOGIN.user]: LOGIN.password },
      fixtureTables: [typesFixture],
      handlers: [echoParameters],
      log,
    };
    plain = await startTdsServer(options);
    tls = await startTdsServer({ ...options, tls: cert });
    forced = await startTdsServer({
      ...options,
      tls: cert,
      encryption: 'required',
      rowFormat: 'row',
    });
  });
  afterAll(async () => {
    await Promise.all([plain.close(), tls.close(), forced.close()]);
  });

  it('FreeTDS reads every value of the fixture without encryption', async () => {
    const rows = await readWithFreeTds({ host: '127.0.0.1', port: plain.port, ...LOGIN });
    expect(rows).toEqual(fixtureRows);
    expect(checksumRows(rows)).toBe(checksumRows(fixtureRows));
  });

  it('FreeTDS reads every value with login-only TLS', async () => {
    const rows = await readWithFreeTds({
      host: '127.0.0.1',
      port: tls.port,
      ...LOGIN,
      encryption: 'request',
    });
    expect(checksumRows(rows)).toBe(checksumRows(fixtureRows));
    expect(logs.some((l) => /encryption 0 -> 0 \(login\)/.test(l))).toBe(true);
  });

  it('FreeTDS reads every value with the whole connection in TLS, as ROW tokens only', async () => {
    const rows = await readWithFreeTds({
      host: '127.0.0.1',
      port: forced.port,
      ...LOGIN,
      encryption: 'require',
    });
    expect(checksumRows(rows)).toBe(checksumRows(fixtureRows));
  });

  it('pytds reads every value of the fixture (to the microsecond its datetime holds)', async () => {
    const { header, rows, result } = await pytdsQuery(
      { host: '127.0.0.1', port: plain.port, ...LOGIN },
      `SELECT * FROM ${TABLE}`,
    );
    expect(result.stderr).toBe('');
    expect(header).toEqual(columns.map((c) => c.name));
    const normalized = rows.map((row) =>
      row.map((text, i) => normalizeClientText(columns[i] as TdsColumn, text)),
    );
    expect(normalized).toEqual(fixtureInMicroseconds);
    expect(checksumRows(normalized)).toBe(checksumRows(fixtureInMicroseconds));
  });

  it('pytds reads the fixture over TLS, login-only and whole-connection', async () => {
    for (const encrypt of ['login', 'all'] as const) {
      const { rows, result } = await pytdsQuery(
        { host: '127.0.0.1', port: tls.port, ...LOGIN, cafile: cert.certFile, encrypt },
        `SELECT * FROM ${TABLE}`,
      );
      expect(result.stderr).toBe('');
      const normalized = rows.map((row) =>
        row.map((text, i) => normalizeClientText(columns[i] as TdsColumn, text)),
      );
      expect(checksumRows(normalized)).toBe(checksumRows(fixtureInMicroseconds));
    }
  });

  it('pytds parameters arrive through sp_executesql with their types and values', async () => {
    let seen: TdsRequest | undefined;
    parameterLog.push((request) => {
      seen = request;
    });
    const { header, rows, result } = await pytdsQuery(
      { host: '127.0.0.1', port: plain.port, ...LOGIN },
      'SELECT /*echo*/ %s, %s, %s, %s, %s, %s',
      [
        'naïve 😀',
        42,
        { int: '-9223372036854775808' },
        { bytes: '00ff10' },
        { datetime: '2024-02-29 13:14:15.123456' },
        { decimal: '-12.3400' },
      ],
    );
    expect(result.stderr).toBe('');
    expect(header).toEqual(['@P1', '@P2', '@P3', '@P4', '@P5', '@P6']);
    expect(rows).toEqual([
      [
        'naïve 😀',
        '42',
        '-9223372036854775808',
        '0x00FF10',
        '2024-02-29 13:14:15.123456',
        '-12.34',
      ],
    ]);
    const types = [...(seen?.parameters.values() ?? [])].map((p) => p.type);
    expect(types).toEqual(['nvarchar', 'int', 'bigint', 'varbinary', 'datetime2', 'decimal']);
    expect(seen?.parameters.get('@P3')?.value).toBe(-9223372036854775808n);
    expect(seen?.parameters.get('@P4')?.value).toEqual(Buffer.from([0x00, 0xff, 0x10]));
    // pytds sends datetime2(6) and the Decimal at its own scale (2).
    expect(seen?.parameters.get('@P5')?.value).toBe('2024-02-29 13:14:15.123456');
    expect(seen?.parameters.get('@P6')?.value).toBe('-12.34');
  });

  it('selects columns by mixed-case, bracket-quoted and reserved names', async () => {
    const { rows, result } = await tsqlQuery(
      dir,
      { host: '127.0.0.1', port: plain.port, ...LOGIN },
      'select [key], [ORDER], [Weird]]Name] from [sales data].alltypes',
    );
    expect(result.stderr).not.toMatch(/Msg/);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    expect(rows[0]).toEqual(['1', '9223372036854775807', 'a]b']);
  });

  it('answers an unknown table with error 208 and an unknown statement with error 102', async () => {
    const unknownTable = await tsqlQuery(
      dir,
      { host: '127.0.0.1', port: plain.port, ...LOGIN },
      'SELECT * FROM dbo.Missing',
    );
    expect(unknownTable.result.stdout + unknownTable.result.stderr).toMatch(
      /Msg 208.*\n?.*Invalid object name 'dbo.Missing'/,
    );
    const unknown = await tsqlQuery(
      dir,
      { host: '127.0.0.1', port: plain.port, ...LOGIN },
      'EXEC sp_who',
    );
    expect(unknown.result.stdout + unknown.result.stderr).toMatch(/Msg 102/);
  });

  it('refuses a wrong password with error 18456', async () => {
    const { result } = await tsqlQuery(
      dir,
      { host: '127.0.0.1', port: plain.port, user: LOGIN.user, password: 'wrong' },
      'SELECT 1',
    );
    expect(result.stdout + result.stderr).toContain(`Login failed for user '${LOGIN.user}'.`);
    const py = await pytdsQuery(
      { host: '127.0.0.1', port: plain.port, user: 'nobody', password: 'x' },
      'SELECT 1',
    );
    expect(py.result.code).toBe(1);
    expect(py.result.stderr).toContain("Login failed for user 'nobody'.");
  });
});

describe('streaming', () => {
  it('streams 1,000,000 rows from a generator without holding them in memory', async () => {
    let peak = 0;
    const server = await startTdsServer({
      logins: { [LOGIN.user]: LOGIN.password },
      fixtureTables: [
        {
          schema: 'dbo',
          name: 'Big',
          columns: [
            { name: 'id', type: 'int', nullable: false },
            { name: 'label', type: 'nvarchar', length: 40 },
          ],
          rows: function* () {
            for (let i = 1; i <= 1_000_000; i++) {
              if (i % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
              yield [i, `row ${i}`];
            }
          },
        },
      ],
    });
    try {
      const before = process.memoryUsage().heapUsed;
      const { rows } = await tsqlQuery(
        dir,
        { host: '127.0.0.1', port: server.port, ...LOGIN },
        'SELECT id, label FROM Big',
      );
      expect(rows).toHaveLength(1_000_000);
      expect(rows[999_999]).toEqual(['1000000', 'row 1000000']);
      expect(rows.reduce((sum, row) => sum + Number(row[0]), 0)).toBe(500_000_500_000);
      // The client's own output is collected in this process too; the rows themselves must
      // not be: well under what 1,000,000 encoded rows would take.
      expect(peak - before).toBeLessThan(150 * 1024 * 1024);
    } finally {
      await server.close();
    }
  }, 300_000);
});

describe('Kerberos logins', () => {
  const kerberosDir = infraPaths().kerberosDir;
  const keytab = join(kerberosDir, 'mssqlsvc.keytab');
  const krb5Config = join(kerberosDir, 'krb5.conf');
  let server: TdsServer;
  let env: NodeJS.ProcessEnv;
  let emptyEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(keytab)) {
      throw new Error(
        `${keytab} is missing: run \`npm run infra:up\` (the KDC exports the MSSQLSvc/localhost:1433 keytab).`,
      );
    }
    env = { KRB5_CONFIG: krb5Config, KRB5CCNAME: `FILE:${join(dir, 'ccache')}` };
    emptyEnv = { KRB5_CONFIG: krb5Config, KRB5CCNAME: `FILE:${join(dir, 'no-ccache')}` };
    execFileSync('kinit', ['-kt', join(kerberosDir, 'datakit-loader.keytab'), 'datakit-loader'], {
      env: { ...process.env, ...env },
    });
    // FreeTDS's tsql asks for MSSQLSvc/<host>:<port>, so this server listens on the SPN's port.
    server = await startTdsServer({
      port: 1433,
      fixtureTables: [typesFixture],
      kerberos: { keytab, krb5Config },
      log,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('FreeTDS tsql logs in with its GSSAPI (raw krb5) token and is the ticket principal', async () => {
    const { rows, result } = await tsqlQuery(
      dir,
      { host: 'localhost', port: 1433, realm: 'DATAKIT.TEST', env },
      'SELECT SUSER_SNAME()',
    );
    expect(result.stderr).not.toMatch(/Msg/);
    expect(rows).toEqual([['datakit-loader@DATAKIT.TEST']]);
    expect(logs).toContainEqual(
      expect.stringMatching(/GSS-API krb5 context established for datakit-loader@DATAKIT.TEST/),
    );
  });

  it('the FreeTDS ODBC driver logs in with Kerberos and reads the fixture', async () => {
    const temporal = columns.filter((c) => TEMPORAL.has(c.type));
    const { rows, result } = await odbcQuery(
      dir,
      {
        host: 'localhost',
        port: 1433,
        realm: 'DATAKIT.TEST',
        serverSpn: 'MSSQLSvc/localhost:1433',
        env,
      },
      selectOf(temporal),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(
      rows.map((row) => row.map((t, i) => normalizeClientText(temporal[i] as TdsColumn, t))),
    ).toEqual(
      fixtureRows.map((row) => row.filter((_, i) => TEMPORAL.has((columns[i] as TdsColumn).type))),
    );
  });

  it('pytds logs in with KerberosAuth, raw krb5 and SPNEGO', async () => {
    for (const spnego of [false, true]) {
      const { rows, result } = await pytdsQuery(
        { host: '127.0.0.1', port: 1433, kerberos: 'MSSQLSvc@localhost:1433', spnego, env },
        'SELECT SUSER_SNAME() AS who',
      );
      expect(result.stderr).toBe('');
      expect(rows).toEqual([['datakit-loader@DATAKIT.TEST']]);
    }
    expect(logs).toContainEqual(expect.stringMatching(/GSS-API spnego context established/));
  });

  it('refuses a client without a ticket', async () => {
    const { result } = await tsqlQuery(
      dir,
      { host: 'localhost', port: 1433, realm: 'DATAKIT.TEST', env: emptyEnv },
      'SELECT 1',
    );
    expect(result.stdout).not.toContain('datakit-loader');
    expect(result.code).not.toBe(0);
  });

  it('refuses a ticket for another service with error 18452', async () => {
    const { result } = await pytdsQuery(
      { host: '127.0.0.1', port: 1433, kerberos: 'postgres@localhost', env },
      'SELECT 1',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.',
    );
  });
});
