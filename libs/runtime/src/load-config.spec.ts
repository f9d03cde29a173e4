import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@datakit/errors';
import { beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from './load-config.ts';
import { testDatakit } from './_test-datakit.ts';

const connection = (database: string) => ({
  kind: 'postgres',
  host: '127.0.0.1',
  database,
  user: 'reader',
  password: 'file:/run/secrets/pg',
});

const valid = { source: connection('pagila'), target: connection('warehouse') };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-config-'));
});

function writeConfig(content: unknown): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message.replaceAll(dir, '<dir>');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default and selects every table', () => {
    const config = loadConfig(testDatakit, { configPath: writeConfig(valid), env: {} });

    expect(config.rejectThreshold).toBe(0);
    expect(config.batchSize).toBe(10_000);
    expect(config.copyFormat).toBe('auto');
    expect(config.parameters).toEqual({ region: 'eu' });
    expect(config.source).toMatchObject({
      port: 5432,
      password: { kind: 'file', path: '/run/secrets/pg' },
    });
    expect(
      config.tables.map((t) => [t.target.name, t.mode, t.sourceSchema, t.targetSchema]),
    ).toEqual([
      ['country', 'replace', 'public', 'bronze'],
      ['customer', 'merge', 'public', 'bronze'],
    ]);
  });

  it('takes a mode per table, each checked against the modes that table supports', () => {
    const config = loadConfig(testDatakit, {
      configPath: writeConfig({ ...valid, mode: { country: 'merge' } }),
      env: {},
    });
    expect(config.tables.map((t) => [t.target.name, t.mode])).toEqual([
      ['country', 'merge'],
      ['customer', 'merge'],
    ]);
    expect(
      messageOf(() =>
        loadConfig(testDatakit, { configPath: writeConfig({ ...valid, mode: 'append' }), env: {} }),
      ),
    ).toContain(
      '- mode: append is not a mode of table bronze.country (it supports merge, replace): append needs a cursor',
    );
    expect(
      messageOf(() =>
        loadConfig(testDatakit, {
          configPath: writeConfig({ ...valid, mode: { country: 'append', customer: 'append' } }),
          env: {},
        }),
      ),
    ).toMatch(
      /has 2 problems:\n {2}- mode\.country: append is not a mode of table bronze\.country[^]*- mode\.customer: append is not a mode of table bronze\.customer \(it supports merge, replace\): append needs a unique cursor/,
    );
    expect(
      messageOf(() =>
        loadConfig(testDatakit, {
          configPath: writeConfig({ ...valid, mode: { film: 'merge' } }),
          env: {},
        }),
      ),
    ).toContain('- mode: unknown field "film"');
  });

  it('reads the file named by DATAKIT_CONFIG when no --config is given', () => {
    const file = writeConfig(valid);
    expect(
      loadConfig(testDatakit, { configPath: undefined, env: { DATAKIT_CONFIG: file } }).file,
    ).toBe(file);
  });

  it('lets the environment override mode, threshold, batch size, format, tables and schemas', () => {
    const config = loadConfig(testDatakit, {
      configPath: writeConfig({ ...valid, mode: 'append' }),
      env: {
        DATAKIT_MODE: 'merge',
        DATAKIT_REJECT_THRESHOLD: '0.05',
        DATAKIT_BATCH_SIZE: '500',
        DATAKIT_COPY_FORMAT: 'text',
        DATAKIT_TABLES: 'customer',
        DATAKIT_TARGET_SCHEMA: 'bronze_test',
      },
    });

    expect([config.rejectThreshold, config.batchSize, config.copyFormat]).toEqual([
      0.05,
      500,
      'text',
    ]);
    expect(config.tables.map((t) => [t.target.name, t.mode, t.targetSchema])).toEqual([
      ['customer', 'merge', 'bronze_test'],
    ]);
  });

  it('accepts a password written as a parsed secret reference, as the deployer writes it', () => {
    const source = { ...connection('pagila'), password: { kind: 'file', path: '/run/secrets/pg' } };
    const config = loadConfig(testDatakit, {
      configPath: writeConfig({ ...valid, source }),
      env: {},
    });
    expect(config.source).toMatchObject({ password: { kind: 'file', path: '/run/secrets/pg' } });
  });

  it('reports every problem at once, naming the file, the field and the variable', () => {
    const file = writeConfig({
      ...valid,
      target: { ...connection('warehouse'), port: 'x', password: undefined },
      rejectThreshold: 2,
      tables: ['customer', 'film'],
      parameters: { region: 3 },
      colour: 'blue',
    });

    expect(
      messageOf(() =>
        loadConfig(testDatakit, {
          configPath: file,
          env: { DATAKIT_MODE: 'upsert', DATAKIT_COPY_FORMAT: 'binary' },
        }),
      ),
    ).toMatchInlineSnapshot(`
      "The config file <dir>/config.json has 7 problems:
        - target.port: expected number, received string
        - mode (from DATAKIT_MODE): expected one of "append"|"replace"|"merge", or an object of table (country, customer) to one of them
        - rejectThreshold: Too big: expected number to be <=1
        - copyFormat (from DATAKIT_COPY_FORMAT): Invalid option: expected one of "auto"|"text"
        - tables.1: Invalid option: expected one of "country"|"customer"
        - parameters.region: expected string, received number
        - (top level): unknown field "colour"; remove or rename it"
    `);
  });

  it('names a missing password of password auth', () => {
    const file = writeConfig({
      ...valid,
      source: { ...connection('pagila'), password: undefined },
    });
    expect(messageOf(() => loadConfig(testDatakit, { configPath: file, env: {} })))
      .toMatchInlineSnapshot(`
      "The config file <dir>/config.json has 1 problem:
        - source.password: required with auth "password": a secret reference such as "file:/run/secrets/source-password""
    `);
  });

  it('reports a file that is not JSON with the position', () => {
    const file = writeConfig('{ "source": { },\n}');
    expect(
      messageOf(() => loadConfig(testDatakit, { configPath: file, env: {} })),
    ).toMatchInlineSnapshot(
      `"The config file <dir>/config.json is not valid JSON: Expected double-quoted property name in JSON at position 17 (line 2 column 1)."`,
    );
  });

  it('lists every place it looked when there is no config file', () => {
    expect(
      messageOf(() => loadConfig(testDatakit, { configPath: undefined, env: {} })),
    ).toMatchInlineSnapshot(
      `"The config file /etc/datakit/config.json (from the default location) does not exist. No --config flag was given and DATAKIT_CONFIG is not set, so /etc/datakit/config.json was the only place looked at."`,
    );
  });
});
