import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import { warehouseJsonSchemas } from './json-schema.ts';
import {
  assertLockInSync,
  loadWarehouse,
  loadWarehouses,
  parseWarehouseYaml,
  type ParseWarehouseOptions,
} from './load-warehouse.ts';
import { lockInputsDigest, type Lock } from './lock-schema.ts';

const fixture = join(import.meta.dirname, '__fixtures__', 'valid');
const validYaml = readFileSync(join(fixture, 'warehouse.yaml'), 'utf8');

const problemsOf = (text: string, options: ParseWarehouseOptions = {}): string => {
  try {
    parseWarehouseYaml(text, 'warehouses/x/warehouse.yaml', options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadWarehouse', () => {
  it('reads a valid warehouse and applies every default', () => {
    const { warehouse, lock } = loadWarehouse(fixture);
    expect(lock).toBeUndefined();
    expect(warehouse.datakits['pagila-bronze']).toMatchObject({
      rejectThreshold: 0,
      parameters: {},
    });
    // No mode unless the pin says: each table keeps its datakit's own (a keyless one is never
    // merged by a default).
    expect(warehouse.datakits['pagila-bronze']?.mode).toBeUndefined();
    expect(warehouse.connections.pagila).toMatchObject({
      port: 5432,
      auth: 'password',
    });
    expect(warehouse.environments.local).toMatchObject({
      driver: 'docker',
      network: 'host',
      schedules: {},
    });
    expect(warehouse.kerberos?.renewBeforeSeconds).toBe(300);
  });

  it('refuses a warehouse whose name is not its folder name, naming file, line and field', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'datakit-wh-'));
    try {
      const copy = join(scratch, 'analytics-copy');
      mkdirSync(copy);
      writeFileSync(join(copy, 'warehouse.yaml'), validYaml);
      expect(() => loadWarehouse(copy)).toThrowError(
        expect.objectContaining({
          exitCode: ExitCode.Config,
          message: `${join(copy, 'warehouse.yaml')} has 1 problem:\n  line 3: field "name": is "valid", but the folder is "analytics-copy"; a warehouse's name must be its folder's name (rename one of them)`,
        }),
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('reports a wrong name together with the other problems of the file', () => {
    expect(problemsOf(validYaml.replace('target: dwh', 'target: nowhere'), { folderName: 'other' }))
      .toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 2 problems:
        line 35: field "datakits.pagila-bronze.target": names connection "nowhere", which is not in connections (pagila, dwh)
        line 3: field "name": is "valid", but the folder is "other"; a warehouse's name must be its folder's name (rename one of them)"
    `);
  });

  it('names the file when warehouse.yaml is missing', () => {
    expect(() => loadWarehouse('/nonexistent/wh')).toThrowError(
      /\/nonexistent\/wh\/warehouse.yaml does not exist/,
    );
  });
});

describe('parseWarehouseYaml reports bad input with file, line and field', () => {
  it('reports malformed YAML with its line', () => {
    expect(problemsOf('apiVersion: datakit.dev/v1\nname: [unclosed\n')).toMatch(
      /^warehouses\/x\/warehouse.yaml is not valid YAML:\n {2}line \d+, column \d+: /,
    );
  });

  it('reports an unknown field with its line', () => {
    const text = validYaml.replace(
      "    schedule: '0 */6 * * *'",
      "    schedule: '0 */6 * * *'\n    scheduel: daily",
    );
    expect(problemsOf(text)).toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 1 problem:
        line 34: field "datakits.pagila-bronze": unknown key "scheduel""
    `);
  });

  it('collects every problem of a file into one message', () => {
    const text = validYaml
      .replace('version: ^1.0.0', 'version: not-a-version')
      .replace("schedule: '0 */6 * * *'", "schedule: 'every day'")
      .replace('target: dwh', 'target: nowhere')
      .replace('    password: file:/run/secrets/datakit/pagila_reader.password\n', '');
    expect(problemsOf(text)).toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 4 problems:
        line 31: field "datakits.pagila-bronze.version": expected an exact version or a semver range, e.g. "1.4.2" or "^1.4.0"
        line 32: field "datakits.pagila-bronze.schedule": expected a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"; found 2
        line 34: field "datakits.pagila-bronze.target": names connection "nowhere", which is not in connections (pagila, dwh)
        line 6: field "connections.pagila.password": is required with auth "password" (a secret reference, e.g. "env:PG_PASSWORD")"
    `);
  });

  it('refuses a secret value where a secret reference belongs', () => {
    const text = validYaml.replace(
      'password: file:/run/secrets/datakit/pagila_reader.password',
      'password: hunter2hunter2',
    );
    const message = problemsOf(text);
    expect(message).toContain('field "connections.pagila.password"');
    expect(message).toContain('is not a secret reference');
  });

  it('needs a Delinea server when a reference uses it', () => {
    const text = validYaml.replace(
      'keytab: file:/run/secrets/datakit/datakit-loader.keytab',
      'keytab: delinea:4711/keytab',
    );
    expect(problemsOf(text)).toContain(
      'field "secrets.delinea": is required: some secret references use delinea:',
    );
  });

  it('refuses a dockerHost over TCP: the containers bind-mount files from this machine', () => {
    const text = validYaml.replace(
      '    registry: 127.0.0.1:5000\n',
      '    registry: 127.0.0.1:5000\n    dockerHost: tcp://build-host.corp.example:2376\n',
    );
    const message = problemsOf(text);
    expect(message).toContain(
      'line 24: field "environments.local.dockerHost": expected the unix socket of an engine on this machine, e.g. "unix:///var/run/docker.sock"; tcp:// and ssh:// engines are refused',
    );
  });

  it('accepts a dockerHost that names a unix socket', () => {
    const text = validYaml.replace(
      '    registry: 127.0.0.1:5000\n',
      '    registry: 127.0.0.1:5000\n    dockerHost: unix:///run/user/1000/docker.sock\n',
    );
    const warehouse = parseWarehouseYaml(text, 'warehouses/x/warehouse.yaml');
    expect(warehouse.environments.local).toMatchObject({
      dockerHost: 'unix:///run/user/1000/docker.sock',
    });
  });

  it('refuses a root of host paths that is a system or home folder, at its line', () => {
    const text = validYaml.replace(
      '    registry: 127.0.0.1:5000\n',
      '    registry: 127.0.0.1:5000\n    hostRoots:\n      - ../../.infra\n      - /\n      - /etc/\n      - /home/alice\n      - /var/run/docker.sock\n',
    );
    const message = problemsOf(text);
    expect(message).toContain(
      'line 26: field "environments.local.hostRoots.1": is the root of the host file system; a root of host paths is a folder of the project, e.g. "../../.infra"',
    );
    expect(message).toContain(
      'line 27: field "environments.local.hostRoots.2": lies in /etc, a system folder of the host',
    );
    expect(message).toContain('field "environments.local.hostRoots.3": is a home folder');
    expect(message).toContain(
      'field "environments.local.hostRoots.4": lies in /var/run, a system folder of the host',
    );
    expect(message).not.toContain('hostRoots.0');
  });

  it('defaults hostRoots to none: host paths lie in the warehouse folder', () => {
    const warehouse = parseWarehouseYaml(validYaml, 'warehouses/x/warehouse.yaml');
    expect(warehouse.environments.local).toMatchObject({ hostRoots: [] });
  });

  const withoutKerberos = validYaml.replace(/^kerberos:\n(?: {2}.*\n)+/m, '');

  it('accepts a warehouse without a kerberos block whose connections use passwords', () => {
    const text = withoutKerberos.replace(
      '    user: datakit-loader\n    auth: kerberos\n',
      '    user: warehouse_loader\n    password: file:/run/secrets/datakit/warehouse_loader.password\n',
    );
    const warehouse = parseWarehouseYaml(text, 'warehouses/x/warehouse.yaml');
    expect(warehouse.kerberos).toBeUndefined();
  });

  it('refuses a Kerberos connection without a kerberos block, naming the file, line and field', () => {
    expect(problemsOf(withoutKerberos)).toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 1 problem:
        line 16: field "connections.dwh.auth": is "kerberos", which needs a ticket from the Kerberos sidecar, but the warehouse has no kerberos block; add kerberos: {principal, keytab}, or log in with auth "password""
    `);
  });

  it('refuses a sqlserver connection (Kerberos by default) without a kerberos block', () => {
    const text = withoutKerberos.replace(
      '  dwh:\n',
      '  sales:\n    kind: sqlserver\n    host: sql01.corp.example\n    database: Sales\n  dwh:\n',
    );
    expect(problemsOf(text)).toContain(
      'field "connections.sales.auth": is "kerberos" (the default of a sqlserver connection), which needs a ticket from the Kerberos sidecar, but the warehouse has no kerberos block',
    );
  });

  it.each([
    ['/app/main.mjs', 'lies in /app, which the platform owns in every container'],
    ['/run/secrets/datakit/x', 'lies in /run/secrets, which the platform owns'],
    ['/etc/datakit/config.json', 'lies in /etc/datakit, which the platform owns'],
    ['/etc/../app/main.mjs', 'expected an absolute path without . or .. parts'],
    ['krb5.conf', 'expected an absolute path without . or .. parts'],
  ])('refuses kerberos.krb5Config %s', (path, message) => {
    const text = validYaml.replace(
      '  keytab: file:/run/secrets/datakit/datakit-loader.keytab\n',
      `  keytab: file:/run/secrets/datakit/datakit-loader.keytab\n  krb5Config: ${path}\n`,
    );
    expect(problemsOf(text)).toContain(`field "kerberos.krb5Config": ${message}`);
  });

  const withEnvRefs = validYaml
    .replace(
      'password: file:/run/secrets/datakit/pagila_reader.password',
      'password: env:PG_PASSWORD',
    )
    .replace('keytab: file:/run/secrets/datakit/datakit-loader.keytab', 'keytab: env:KEYTAB_B64');
  const onlyEnvironment = (text: string, keep: 'local' | 'prod') =>
    keep === 'local'
      ? text.replace(/ {2}prod:\n(?: {4}.*\n)+/, '')
      : text.replace(/ {2}local:\n {4}driver: docker\n {4}registry: 127.0.0.1:5000\n/, '');

  it('refuses env: secret references when an environment runs on Docker', () => {
    expect(problemsOf(onlyEnvironment(withEnvRefs, 'local'))).toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 2 problems:
        line 10: field "connections.pagila.password": "env:PG_PASSWORD" cannot be resolved in the Docker environment "local": containers get no variables from the shell datakit runs in (a secret in an environment variable would also show in \`docker inspect\`); use file:/run/secrets/datakit/<file> with the environment's secretsDir
        line 19: field "kerberos.keytab": "env:KEYTAB_B64" cannot be resolved in the Docker environment "local": containers get no variables from the shell datakit runs in (a secret in an environment variable would also show in \`docker inspect\`); use file:/run/secrets/datakit/<file> with the environment's secretsDir"
    `);
  });

  it('refuses env: secret references when an environment runs on Kubernetes', () => {
    expect(problemsOf(onlyEnvironment(withEnvRefs, 'prod'))).toMatchInlineSnapshot(`
      "warehouses/x/warehouse.yaml has 2 problems:
        line 10: field "connections.pagila.password": "env:PG_PASSWORD" cannot be used in the Kubernetes environment "prod": a pod has no such variable; use file:/run/secrets/<secret>/<key> for key <key> of the Secret <secret>
        line 19: field "kerberos.keytab": "env:KEYTAB_B64" cannot be used in the Kubernetes environment "prod": a pod has no such variable; use file:/run/secrets/<secret>/<key> for key <key> of the Secret <secret>"
    `);
  });

  it('refuses file: references a Kubernetes pod cannot mount, unless keytabSecret replaces it', () => {
    const text = validYaml
      .replace(
        'file:/run/secrets/datakit/pagila_reader.password',
        'file:/run/secrets/pagila.password',
      )
      .replace('file:/run/secrets/datakit/datakit-loader.keytab', 'file:/etc/krb5.keytab');
    const message = problemsOf(text);
    expect(message).toContain(
      'field "connections.pagila.password": "file:/run/secrets/pagila.password" is not of the form file:/run/secrets/<secret>/<key> in the Kubernetes environment "prod"',
    );
    expect(message).toContain(
      'field "kerberos.keytab": "file:/etc/krb5.keytab" is not of the form',
    );
    const withKeytabSecret = problemsOf(
      text.replace(
        '    namespace: data-fixture\n',
        '    namespace: data-fixture\n    keytabSecret: loader-keytab\n',
      ),
    );
    expect(withKeytabSecret).not.toContain('kerberos.keytab');
  });

  it('refuses SQL Server settings that cannot log in, naming each field', () => {
    const text = validYaml.replace(
      'connections:\n',
      [
        'connections:',
        '  sales:',
        '    kind: sqlserver',
        '    host: sql01.corp.example',
        '    database: Sales',
        '    auth: kerberos',
        '    driver: tedious',
        '    user: sa',
        '',
      ].join('\n'),
    );
    const message = problemsOf(text);
    expect(message).toContain('field "connections.sales.driver"');
    expect(message).toContain('no Kerberos (GSSAPI) client');
    expect(message).toContain('field "connections.sales.user"');
  });

  it('accepts a Kerberos SQL Server connection through FreeTDS with an explicit SPN', () => {
    const text = validYaml.replace(
      'connections:\n',
      [
        'connections:',
        '  sales:',
        '    kind: sqlserver',
        '    host: sql01-alias.corp.example',
        '    database: Sales',
        '    odbcDriver: FreeTDS',
        '    serverSpn: MSSQLSvc/sql01.corp.example:1433',
        '    trustServerCertificate: true',
        '',
      ].join('\n'),
    );
    const warehouse = parseWarehouseYaml(text, 'warehouses/x/warehouse.yaml');
    expect(warehouse.connections.sales).toMatchObject({
      kind: 'sqlserver',
      auth: 'kerberos',
      driver: 'msnodesqlv8',
      odbcDriver: 'FreeTDS',
      port: 1433,
    });
  });
});

describe('parseWarehouseYaml refuses what Kubernetes refuses, at the field', () => {
  const withSchedule = (schedule: string) =>
    validYaml.replace("schedule: '0 */6 * * *'", `schedule: '${schedule}'`);

  it.each([
    ['*/0 * * * *', 'minute step "*/0" must be at least 1'],
    [
      '0 3 * * 1-7',
      'day of week 7 in "1-7" is out of range: expected 0-6 (Sunday is 0; Kubernetes does not accept 7)',
    ],
    ['0 24 * * *', 'hour 24 in "24" is out of range: expected 0-23'],
    ['0 3 0 * *', 'day of month 0 in "0" is out of range: expected 1-31'],
    ['0 3 * 6-2 *', 'month range "6-2" ends before it starts'],
    [
      '0 3 * * MON',
      'day of week "MON" is not a number, *, a range a-b, or one of them with a step /n (e.g. "0 3 * * *")',
    ],
    [
      '0 3,,4 * * *',
      'hour "" is not a number, *, a range a-b, or one of them with a step /n (e.g. "0 3 * * *")',
    ],
    [
      '0 3 * *',
      'expected a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"; found 4',
    ],
  ])('refuses the schedule "%s"', (schedule, message) => {
    expect(problemsOf(withSchedule(schedule))).toContain(
      `line 33: field "datakits.pagila-bronze.schedule": ${message}`,
    );
  });

  it('accepts lists, ranges and steps Kubernetes accepts', () => {
    const warehouse = parseWarehouseYaml(
      withSchedule('*/15 0-6,22 1-31/2 */3 0-6'),
      'warehouses/x/warehouse.yaml',
    );
    expect(warehouse.datakits['pagila-bronze']?.schedule).toBe('*/15 0-6,22 1-31/2 */3 0-6');
  });

  it('refuses a name that is no DNS label: ending in -, or over 63 characters', () => {
    const long = `d${'x'.repeat(63)}`;
    const text = validYaml.replace('  dwh:\n', '  dwh-:\n').replace('  prod:\n', `  ${long}:\n`);
    const message = problemsOf(text);
    expect(message).toContain(
      'field "connections.dwh-": expected at most 63 lower-case letters, digits and -, starting with a letter and ending with a letter or digit',
    );
    expect(message).toContain(
      `field "environments.${long}": expected at most 63 lower-case letters, digits and -`,
    );
  });

  it('refuses a datakit whose CronJob name would exceed 52 characters', () => {
    const datakit = `pagila-bronze-${'x'.repeat(34)}`; // valid-<48> = 54 characters
    const text = validYaml.replaceAll('pagila-bronze', datakit);
    expect(problemsOf(text)).toContain(
      `line 32: field "datakits.${datakit}": gives the CronJob name "valid-${datakit}" (warehouse-datakit), 54 characters; Kubernetes allows at most 52 (the CronJob controller appends 11 to name its Jobs), in the Kubernetes environment "prod"; use a shorter warehouse or datakit name`,
    );
  });

  it('allows that datakit name when no environment runs on Kubernetes', () => {
    const datakit = `pagila-bronze-${'x'.repeat(34)}`;
    const text = validYaml
      .replaceAll('pagila-bronze', datakit)
      .replace(/ {2}prod:\n(?: {4}.*\n)+/, '');
    expect(Object.keys(parseWarehouseYaml(text, 'warehouses/x/warehouse.yaml').datakits)).toEqual([
      datakit,
    ]);
  });

  it('refuses object names Kubernetes refuses: service account, pull secret, keytab Secret', () => {
    const text = validYaml.replace(
      '    namespace: data-fixture\n',
      `    namespace: data-fixture\n    serviceAccount: Datakit_SA\n    imagePullSecret: pull-\n    keytabSecret: ${'k'.repeat(254)}\n`,
    );
    const message = problemsOf(text);
    expect(message).toContain(
      'field "environments.prod.serviceAccount": expected lower-case letters, digits, - and ., each part starting and ending with a letter or digit',
    );
    expect(message).toContain('field "environments.prod.imagePullSecret": expected lower-case');
    expect(message).toContain(
      'field "environments.prod.keytabSecret": has 254 characters; Kubernetes allows at most 253 in an object name',
    );
  });
});

describe('loadWarehouse refuses hostile files, naming the file (exit 2)', () => {
  const hostile = join(import.meta.dirname, '__fixtures__', 'hostile');
  const configErrorOf = (dir: string): ConfigError => {
    try {
      loadWarehouse(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses an unknown YAML tag instead of dropping it', () => {
    const file = join(hostile, 'unknown-tag', 'warehouse.yaml');
    expect(configErrorOf(join(hostile, 'unknown-tag')).message).toBe(
      `${file} is not valid YAML:\n  line 19, column 11: Unresolved tag: !Ref`,
    );
  });

  it('refuses a YAML alias bomb before expanding it', () => {
    const file = join(hostile, 'alias-bomb', 'warehouse.yaml');
    expect(configErrorOf(join(hostile, 'alias-bomb')).message).toBe(
      `${file} is not valid YAML: its aliases (*name) expand to more than 100 nodes, which is refused as a resource exhaustion attack.`,
    );
  });

  it('refuses a folder named warehouse.yaml', () => {
    const file = join(hostile, 'folder-as-file', 'warehouse.yaml');
    expect(configErrorOf(join(hostile, 'folder-as-file')).message).toBe(
      `${file} is a folder, not a file.`,
    );
  });

  it('refuses a folder named datakits.lock.json', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'datakit-wh-'));
    try {
      const dir = join(scratch, 'valid');
      mkdirSync(join(dir, 'datakits.lock.json'), { recursive: true });
      writeFileSync(join(dir, 'warehouse.yaml'), validYaml);
      expect(configErrorOf(dir).message).toBe(
        `${join(dir, 'datakits.lock.json')} is a folder, not a file.`,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('refuses a warehouse.yaml it may not read', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'datakit-wh-'));
    try {
      const dir = join(scratch, 'valid');
      mkdirSync(dir);
      chmodSync(scratch, 0o755);
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'warehouse.yaml'), validYaml, { mode: 0o000 });
      expect(loadUnprivileged(dir)).toEqual({
        exitCode: ExitCode.Config,
        message: `${join(dir, 'warehouse.yaml')} cannot be read: permission denied.`,
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('loadWarehouses', () => {
  it('loads the good folders and returns each bad one with its error instead of stopping', () => {
    const root = mkdtempSync(join(tmpdir(), 'datakit-whs-'));
    try {
      for (const name of ['unknown-tag', 'alias-bomb', 'folder-as-file']) {
        cpSync(join(import.meta.dirname, '__fixtures__', 'hostile', name), join(root, name), {
          recursive: true,
        });
      }
      mkdirSync(join(root, 'valid'));
      writeFileSync(join(root, 'valid', 'warehouse.yaml'), validYaml);
      mkdirSync(join(root, 'not-a-warehouse'));
      const { loaded, failed } = loadWarehouses(root);
      expect(loaded.map((l) => l.warehouse.name)).toEqual(['valid']);
      expect(failed.map((f) => [f.name, f.error.exitCode, f.error.message.split('\n')[0]])).toEqual(
        [
          [
            'alias-bomb',
            ExitCode.Config,
            `${join(root, 'alias-bomb', 'warehouse.yaml')} is not valid YAML: its aliases (*name) expand to more than 100 nodes, which is refused as a resource exhaustion attack.`,
          ],
          [
            'folder-as-file',
            ExitCode.Config,
            `${join(root, 'folder-as-file', 'warehouse.yaml')} is a folder, not a file.`,
          ],
          [
            'unknown-tag',
            ExitCode.Config,
            `${join(root, 'unknown-tag', 'warehouse.yaml')} is not valid YAML:`,
          ],
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/**
 * Loads a warehouse as an unprivileged user: in a child process under `setpriv` as nobody
 * (65534) when the tests run as root (root reads a mode-000 file anyway), in this process
 * otherwise. Returns the error's exit code and message.
 */
function loadUnprivileged(dir: string): { exitCode?: number; message?: string } {
  if (process.getuid?.() !== 0) {
    try {
      loadWarehouse(dir);
      return {};
    } catch (error) {
      return { exitCode: (error as ConfigError).exitCode, message: (error as Error).message };
    }
  }
  const module = pathToFileURL(join(import.meta.dirname, 'load-warehouse.ts')).href;
  const script = [
    `import { loadWarehouse } from ${JSON.stringify(module)};`,
    `try { loadWarehouse(process.argv[1]); console.log('{}'); }`,
    `catch (e) { console.log(JSON.stringify({ exitCode: e.exitCode, message: e.message })); }`,
  ].join('\n');
  const child = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      dir,
    ],
    { encoding: 'utf8', cwd: import.meta.dirname },
  );
  if (child.status !== 0)
    throw new Error(`setpriv failed: ${child.error?.message ?? child.stderr}`);
  return JSON.parse(child.stdout) as { exitCode?: number; message?: string };
}

describe('assertLockInSync', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dirname(dir), { recursive: true, force: true });
    dir = undefined;
  });

  const withLock = (lock: Partial<Lock>): string => {
    // Named as the warehouse: a warehouse's name must be its folder's.
    dir = join(mkdtempSync(join(tmpdir(), 'datakit-wh-')), 'valid');
    mkdirSync(dir);
    writeFileSync(join(dir, 'warehouse.yaml'), validYaml);
    const digest = `sha256:${'a'.repeat(64)}`;
    writeFileSync(
      join(dir, 'datakits.lock.json'),
      JSON.stringify({
        lockVersion: 1,
        warehouse: 'valid',
        inputsDigest: lockInputsDigest({
          datakits: { 'pagila-bronze': { version: '^1.0.0' } } as never,
        }),
        datakits: {
          'pagila-bronze': {
            requested: '^1.0.0',
            version: '1.0.3',
            reference: `127.0.0.1:5000/pagila-bronze:1.0.3@${digest}`,
            digest,
            contractHash: digest,
          },
        },
        ...lock,
      }),
    );
    return dir;
  };

  it('accepts a lock made from the current pins', () => {
    expect(assertLockInSync(loadWarehouse(withLock({}))).datakits['pagila-bronze']?.version).toBe(
      '1.0.3',
    );
  });

  it('refuses a lock whose pins changed, naming file, field and the datakit', () => {
    const loaded = loadWarehouse(withLock({}));
    loaded.warehouse.datakits['pagila-bronze']!.version = '^2.0.0';
    expect(() => assertLockInSync(loaded)).toThrowError(
      /datakits.lock.json is out of sync with .*warehouse.yaml: field "inputsDigest" is sha256:[0-9a-f]{64}, the pins now give sha256:[0-9a-f]{64}.\n {2}pagila-bronze \(warehouse.yaml asks for "\^2.0.0", the lock resolved "\^1.0.0"\)/,
    );
  });

  const lockEntry = (entry: Record<string, string>) => {
    const digest = `sha256:${'a'.repeat(64)}`;
    return {
      datakits: {
        'pagila-bronze': {
          requested: '^1.0.0',
          version: '1.0.3',
          reference: `127.0.0.1:5000/pagila-bronze:1.0.3@${digest}`,
          digest,
          contractHash: digest,
          ...entry,
        },
      },
    };
  };

  it('refuses a lock whose reference names another tag or digest than its fields', () => {
    expect(() =>
      loadWarehouse(
        withLock(
          lockEntry({
            reference: `127.0.0.1:5000/pagila-bronze:1.0.4@sha256:${'b'.repeat(64)}`,
          }),
        ),
      ),
    ).toThrowError(
      /field "datakits.pagila-bronze.reference": names tag 1.0.4, but field "version" is 1.0.3\n.*field "datakits.pagila-bronze.reference": names digest sha256:b{64}, but field "digest" is sha256:a{64}/,
    );
  });

  it('refuses a locked version outside the requested range', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(() =>
      loadWarehouse(
        withLock(
          lockEntry({
            version: '2.0.0',
            reference: `127.0.0.1:5000/pagila-bronze:2.0.0@${digest}`,
          }),
        ),
      ),
    ).toThrowError(
      /field "datakits.pagila-bronze.version": 2.0.0 does not satisfy field "requested" \(\^1.0.0\)/,
    );
  });

  it('refuses a locked version that is not an exact version or not a label value', () => {
    const long = `1.0.3-${'a'.repeat(60)}`;
    expect(() => loadWarehouse(withLock(lockEntry({ version: '^1.0.3' })))).toThrowError(
      /field "datakits.pagila-bronze.version": expected an exact version, e.g. "1.4.2"/,
    );
    expect(() => loadWarehouse(withLock(lockEntry({ version: long })))).toThrowError(
      /field "datakits.pagila-bronze.version": has 66 characters; a Kubernetes label value has at most 63/,
    );
  });

  it("refuses a lock entry whose reference names another datakit's repository", () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(() =>
      loadWarehouse(withLock(lockEntry({ reference: `127.0.0.1:5000/hello:1.0.3@${digest}` }))),
    ).toThrowError(
      /field "datakits.pagila-bronze.reference": names repository hello, but this entry is the datakit pagila-bronze/,
    );
  });

  it("refuses a lock resolved against a registry none of the warehouse's environments uses", () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const loaded = loadWarehouse(
      withLock(lockEntry({ reference: `evil.example/pagila-bronze:1.0.3@${digest}` })),
    );
    expect(() => assertLockInSync(loaded)).toThrowError(
      /datakits.lock.json has 1 problem:\n {2}field "datakits.pagila-bronze.reference": names the registry evil.example, which no environment of .*warehouse.yaml uses \(local: 127.0.0.1:5000, prod: registry.corp.example\)/,
    );
  });

  it('accepts a lock resolved against any environment of the warehouse', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const loaded = loadWarehouse(
      withLock(lockEntry({ reference: `registry.corp.example/pagila-bronze:1.0.3@${digest}` })),
    );
    expect(assertLockInSync(loaded).datakits['pagila-bronze']?.version).toBe('1.0.3');
  });

  it('refuses a lock with a malformed reference', () => {
    expect(() =>
      loadWarehouse(
        withLock({
          datakits: {
            'pagila-bronze': {
              requested: '1',
              version: '1',
              reference: 'x',
              digest: 'y',
              contractHash: 'z',
            },
          },
        }),
      ),
    ).toThrowError(
      /field "datakits.pagila-bronze.reference": expected registry\/name:tag@sha256:<digest>/,
    );
  });
});

describe('JSON Schema for editors', () => {
  it('is committed exactly as the zod schemas generate it (run `npm run schema -w @datakit/warehouse`)', () => {
    for (const [name, text] of Object.entries(warehouseJsonSchemas())) {
      expect(readFileSync(join(import.meta.dirname, '..', 'schema', name), 'utf8')).toBe(text);
    }
  });

  it("accepts null only in an environment's connection and Kerberos overrides", () => {
    const schema: unknown = JSON.parse(warehouseJsonSchemas()['warehouse.schema.json']);
    // Every place a null is accepted, as the path of the field that accepts it: an alternative
    // of its anyOf ({type: 'null'}) or one of its types (type: ['boolean', 'null']).
    const nulls: string[] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node !== 'object' || node === null) return;
      const { type } = node as { type?: unknown };
      if (type === 'null') nulls.push(path.slice(0, -2).join('.'));
      if (Array.isArray(type) && type.includes('null')) nulls.push(path.join('.'));
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    };
    walk(schema, []);
    const override = (environment: number, block: string, field: string) =>
      `properties.environments.additionalProperties.oneOf.${environment}.properties.${block}.properties.${field}`;
    const connectionFields = ['host', 'port', 'user', 'password', 'schema', 'encrypt'];
    for (const environment of [0, 1]) {
      for (const field of connectionFields) {
        expect(nulls).toContain(override(environment, 'connections.additionalProperties', field));
      }
      expect(nulls).toContain(override(environment, 'kerberos', 'krb5Config'));
    }
    expect(
      nulls.filter(
        (path) =>
          !/^properties\.environments\.additionalProperties\.oneOf\.[01]\.properties\.(connections\.additionalProperties|kerberos)\.properties\.\w+$/.test(
            path,
          ),
      ),
    ).toEqual([]);
  });
});
