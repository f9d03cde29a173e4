import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import { loadWarehouse, parseWarehouseYaml } from './load-warehouse.ts';
import { resolveEnvironment, targetSchemaOf } from './resolve-environment.ts';

const FILE = 'warehouses/shop/warehouse.yaml';

/** A warehouse whose top level is local and whose prod environment overrides it. */
const base = (prod = '', local = '', pin = '') => `apiVersion: datakit.dev/v1
name: shop
connections:
  src:
    kind: postgres
    host: 127.0.0.1
    database: shop
    user: reader
    password: file:/run/secrets/datakit/reader.password
  dwh:
    kind: postgres
    host: 127.0.0.1
    database: warehouse
    user: loader
    password: file:/run/secrets/datakit/loader.password
    schema: shop
kerberos:
  principal: loader@DATAKIT.TEST
  keytab: file:/run/secrets/datakit/loader.keytab
environments:
  local:
    driver: docker
    registry: 127.0.0.1:5000
${local}  prod:
    driver: kubernetes
    namespace: data-shop
    registry: registry.corp.example
${prod}datakits:
  shop-bronze:
    version: 1.0.0
    source: src
    target: dwh
${pin}`;

const PROD = `    connections:
      src:
        host: shop-db.corp.example
        port: 6432
      dwh:
        host: pg-prod.corp.example
        user: prod_loader
        schema: shop_prod
    kerberos:
      principal: loader@CORP.EXAMPLE
      krb5Config: /etc/krb5-corp.conf
`;

const problemsOf = (text: string): string => {
  try {
    parseWarehouseYaml(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveEnvironment', () => {
  it("merges an environment's connection fields over the top-level ones, field by field", () => {
    const prod = resolveEnvironment(parseWarehouseYaml(base(PROD), FILE), 'prod');
    expect(prod.connections.src).toEqual({
      kind: 'postgres',
      host: 'shop-db.corp.example',
      port: 6432,
      database: 'shop',
      user: 'reader',
      auth: 'password',
      password: { kind: 'file', path: '/run/secrets/datakit/reader.password' },
      sslMode: 'prefer',
    });
    expect(prod.connections.dwh).toMatchObject({
      host: 'pg-prod.corp.example',
      user: 'prod_loader',
      schema: 'shop_prod',
      database: 'warehouse',
    });
  });

  it('merges the Kerberos fields of an environment over the top-level block', () => {
    const prod = resolveEnvironment(parseWarehouseYaml(base(PROD), FILE), 'prod');
    expect(prod.kerberos).toEqual({
      principal: 'loader@CORP.EXAMPLE',
      keytab: { kind: 'file', path: '/run/secrets/datakit/loader.keytab' },
      krb5Config: '/etc/krb5-corp.conf',
      renewBeforeSeconds: 300,
    });
  });

  it('gives the top-level values to an environment without overrides', () => {
    const warehouse = parseWarehouseYaml(base(PROD), FILE);
    const local = resolveEnvironment(warehouse, 'local');
    expect(local.connections).toEqual(warehouse.connections);
    expect(local.kerberos).toEqual(warehouse.kerberos);
  });

  it('refuses an environment the warehouse does not have', () => {
    expect(() => resolveEnvironment(parseWarehouseYaml(base(), FILE), 'staging')).toThrow(
      'field "environments" has no environment "staging"; it has "local", "prod"',
    );
  });

  it('lets an environment switch a connection to Kerberos when it brings what that needs', () => {
    const warehouse = parseWarehouseYaml(
      base(
        '',
        `    connections:
      src:
        auth: password
        password: file:/run/secrets/datakit/reader.password
`,
      ).replace(
        '    user: reader\n    password: file:/run/secrets/datakit/reader.password\n',
        '    user: reader\n    auth: kerberos\n',
      ),
      FILE,
    );
    expect(resolveEnvironment(warehouse, 'prod').connections.src?.auth).toBe('kerberos');
    expect(resolveEnvironment(warehouse, 'local').connections.src?.auth).toBe('password');
  });
});

describe('unsetting a field in an environment (null)', () => {
  // Passwords locally (the top level), Kerberos in prod, which unsets what it does not use.
  const fixture = join(import.meta.dirname, '__fixtures__', 'kerberos-in-prod');

  it("removes optional connection fields from the environment's merged values", () => {
    const { warehouse } = loadWarehouse(fixture);
    const prod = resolveEnvironment(warehouse, 'prod');
    expect(prod.connections.shop).toEqual({
      kind: 'postgres',
      host: 'shop-db.corp.example',
      port: 5432,
      database: 'shop',
      user: 'datakit-loader',
      auth: 'kerberos',
      sslMode: 'prefer',
    });
    expect(prod.connections.sales).toEqual({
      kind: 'sqlserver',
      host: 'sql01.corp.example',
      port: 1433,
      database: 'Sales',
      auth: 'kerberos',
      driver: 'msnodesqlv8',
      encrypt: true,
      trustServerCertificate: false,
    });
    expect(prod.connections.dwh).not.toHaveProperty('schema');
    expect(targetSchemaOf(prod, 'shop-bronze')).toBeUndefined();
  });

  it('removes an optional Kerberos field from the merged block', () => {
    const prod = resolveEnvironment(loadWarehouse(fixture).warehouse, 'prod');
    expect(prod.kerberos).toEqual({
      principal: 'datakit-loader@CORP.EXAMPLE',
      keytab: { kind: 'file', path: '/run/secrets/datakit/datakit-loader.keytab' },
      renewBeforeSeconds: 300,
    });
  });

  it('leaves the top-level values of the other environments as they are', () => {
    const { warehouse } = loadWarehouse(fixture);
    const local = resolveEnvironment(warehouse, 'local');
    expect(local.connections).toEqual(warehouse.connections);
    expect(local.connections.dwh).toMatchObject({ schema: 'shop_dev' });
    expect(local.kerberos?.krb5Config).toBe('/etc/krb5.conf');
  });

  it('refuses to unset a required field or one with a default, naming file, line and field', () => {
    expect(
      problemsOf(
        base(`    connections:
      src:
        host: null
        user: null
        port: null
    kerberos:
      keytab: null
`),
      ),
    ).toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 4 problems:
        line 30: field "environments.prod.connections.src.host": required, cannot be unset (null); give the value this environment needs, or leave the field out to keep the top-level one
        line 32: field "environments.prod.connections.src.port": has a default (5432), cannot be unset (null); give the value this environment needs, e.g. port: 5432
        line 31: field "environments.prod.connections.src.user": required, cannot be unset (null); give the value this environment needs, or leave the field out to keep the top-level one
        line 34: field "environments.prod.kerberos.keytab": required, cannot be unset (null); give the value this environment needs, or leave the field out to keep the top-level one"
    `);
  });

  it('checks the merged values after the unset, at the null', () => {
    // Without its password, src still logs in with auth "password": refused in prod only.
    expect(problemsOf(base('    connections:\n      src:\n        password: null\n')))
      .toMatchInlineSnapshot(`
        "warehouses/shop/warehouse.yaml has 1 problem:
          line 30: field "environments.prod.connections.src.password": is required with auth "password" (a secret reference, e.g. "env:PG_PASSWORD")"
      `);
  });

  it('refuses null on a field the connection does not have, and on an unknown field', () => {
    expect(
      problemsOf(
        base('    connections:\n      dwh:\n        instance: null\n        hots: null\n'),
      ),
    ).toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 2 problems:
        line 31: field "environments.prod.connections.dwh": unknown key "hots"
        line 30: field "environments.prod.connections.dwh.instance": is not a field of connection "dwh" (kind postgres); it has host, port, database, user, auth, password, schema, sslMode"
    `);
  });

  it('refuses null at the top level, where there is nothing to unset', () => {
    expect(problemsOf(base().replace('    schema: shop\n', '    schema: null\n')))
      .toMatchInlineSnapshot(`
        "warehouses/shop/warehouse.yaml has 1 problem:
          line 16: field "connections.dwh.schema": is null; expected string (null unsets a field only in an environment's connections and kerberos overrides; elsewhere leave an optional field out)"
      `);
  });
});

describe('targetSchemaOf', () => {
  it("is the pin's targetSchema first", () => {
    const warehouse = parseWarehouseYaml(base('', '', '    targetSchema: shop_bronze\n'), FILE);
    expect(targetSchemaOf(warehouse, 'shop-bronze')).toBe('shop_bronze');
  });

  it("is the target connection's schema as the environment sets it", () => {
    const warehouse = parseWarehouseYaml(base(PROD), FILE);
    expect(targetSchemaOf(warehouse, 'shop-bronze')).toBe('shop');
    expect(targetSchemaOf(resolveEnvironment(warehouse, 'prod'), 'shop-bronze')).toBe('shop_prod');
  });

  it("is undefined (each contract's own schema) when neither sets one", () => {
    const warehouse = parseWarehouseYaml(base().replace('    schema: shop\n', ''), FILE);
    expect(targetSchemaOf(warehouse, 'shop-bronze')).toBeUndefined();
  });
});

describe('environment overrides in warehouse.yaml', () => {
  it('refuses an override of a connection the warehouse does not have, at its line', () => {
    expect(problemsOf(base('    connections:\n      dhw:\n        host: pg-prod.corp.example\n')))
      .toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 1 problem:
        line 30: field "environments.prod.connections.dhw": names connection "dhw", which is not in connections (src, dwh); an environment overrides fields of the top-level connections only"
    `);
  });

  it("refuses a field the connection's kind does not have, and an unknown field", () => {
    expect(
      problemsOf(base('    connections:\n      dwh:\n        instance: SHOP\n        auth: sql\n')),
    ).toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 2 problems:
        line 30: field "environments.prod.connections.dwh.instance": is not a field of connection "dwh" (kind postgres); it has host, port, database, user, auth, password, schema, sslMode
        line 31: field "environments.prod.connections.dwh.auth": is "sql", which a postgres connection does not have; expected one of "password", "kerberos""
    `);
    expect(problemsOf(base('    connections:\n      dwh:\n        hots: x\n'))).toContain(
      'line 30: field "environments.prod.connections.dwh": unknown key "hots"',
    );
  });

  it('refuses what the merged values of an environment cannot do, at the override', () => {
    // Kubernetes cannot mount env: or a file outside /run/secrets/<secret>/<key>.
    expect(
      problemsOf(
        base(`    connections:
      dwh:
        password: file:/etc/loader.password
    kerberos:
      keytab: env:KEYTAB
`),
      ),
    ).toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 2 problems:
        line 30: field "environments.prod.connections.dwh.password": "file:/etc/loader.password" is not of the form file:/run/secrets/<secret>/<key> in the Kubernetes environment "prod" (a pod mounts key <key> of the Secret <secret> there)
        line 32: field "environments.prod.kerberos.keytab": "env:KEYTAB" cannot be used in the Kubernetes environment "prod": a pod has no such variable; use file:/run/secrets/<secret>/<key> for key <key> of the Secret <secret>"
    `);
  });

  it('names the environment when its override makes a top-level field wrong', () => {
    // prod logs in with Kerberos, but the top-level password stays: refused, in prod only.
    expect(problemsOf(base('    connections:\n      dwh:\n        auth: kerberos\n')))
      .toMatchInlineSnapshot(`
      "warehouses/shop/warehouse.yaml has 1 problem:
        line 15: field "connections.dwh.password": is not used with Kerberos authentication; remove it (environment "prod")"
    `);
  });

  it('refuses a Kerberos override in a warehouse without a kerberos block', () => {
    const text = base('    kerberos:\n      principal: loader@CORP.EXAMPLE\n').replace(
      /^kerberos:\n(?: {2}.*\n)+/m,
      '',
    );
    expect(problemsOf(text)).toContain(
      'field "environments.prod.kerberos": overrides fields of the kerberos block, but the warehouse has none',
    );
  });

  it('refuses a target schema that is not a lower-case PostgreSQL identifier', () => {
    expect(problemsOf(base('', '', '    targetSchema: Shop-Bronze\n'))).toContain(
      'field "datakits.shop-bronze.targetSchema": expected a lower-case PostgreSQL identifier, e.g. "bronze"',
    );
  });
});
