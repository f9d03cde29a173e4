import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@datakit/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerConfigCredentials, dockerConfigFile } from './docker-config.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
  file = join(dir, 'config.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (config: unknown): void => writeFileSync(file, JSON.stringify(config));
const basic = (text: string): string => Buffer.from(text).toString('base64');

describe('dockerConfigCredentials', () => {
  it('reads the file DOCKER_CONFIG names, else ~/.docker/config.json', () => {
    expect(dockerConfigFile({ DOCKER_CONFIG: dir })).toBe(file);
    expect(dockerConfigFile({})).toMatch(/\.docker\/config\.json$/);
  });

  it('decodes the base64 auth of the entry for the host, a colon in the password kept', () => {
    write({ auths: { '127.0.0.1:5001': { auth: basic('datakit:pa:ss') } } });
    expect(dockerConfigCredentials('127.0.0.1:5001', file)).toEqual({
      auth: { username: 'datakit', password: 'pa:ss' },
      file,
    });
  });

  it('matches keys written with a scheme and a path, and username/password entries', () => {
    write({ auths: { 'https://registry.example.com/v1/': { username: 'u', password: 'p' } } });
    expect(dockerConfigCredentials('registry.example.com', file)?.auth).toEqual({
      username: 'u',
      password: 'p',
    });
  });

  it('uses a registrytoken as a bearer token', () => {
    write({ auths: { 'r.example.com': { registrytoken: 't0ken' } } });
    expect(dockerConfigCredentials('r.example.com', file)?.auth).toEqual({ token: 't0ken' });
  });

  it('is undefined without the file or an entry for the host', () => {
    expect(dockerConfigCredentials('127.0.0.1:5001', file)).toBeUndefined();
    write({ auths: { 'other:5000': { auth: basic('a:b') } } });
    expect(dockerConfigCredentials('127.0.0.1:5001', file)).toBeUndefined();
  });

  it('says a credential helper holds them rather than failing later with a 401', () => {
    write({ auths: { '127.0.0.1:5001': {} }, credsStore: 'desktop' });
    expect(() => dockerConfigCredentials('127.0.0.1:5001', file)).toThrow(ConfigError);
    expect(() => dockerConfigCredentials('127.0.0.1:5001', file)).toThrow(/credential helper/);
  });

  it('reports a broken file without quoting it', () => {
    writeFileSync(file, '{"auths": {"h": {"auth": "c2VjcmV0OnNlY3JldA=="');
    expect(() => dockerConfigCredentials('h', file)).toThrow(
      `The Docker config file ${file} is not valid JSON.`,
    );
  });

  it('refuses an auth that is not user:password, without echoing it', () => {
    write({ auths: { h: { auth: basic('no-colon-secret') } } });
    let message = '';
    try {
      dockerConfigCredentials('h', file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      `The auths entry for h in ${file} has an "auth" that is not base64 of user:password.`,
    );
  });
});
