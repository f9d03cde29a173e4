import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';
import { normalizeOptions } from './_normalize-options.ts';

describe('normalizeOptions', () => {
  it('allows plain HTTP to loopback and adds http:// to a bare loopback host', () => {
    expect(normalizeOptions({ url: 'http://127.0.0.1:5000/' }).baseUrl).toBe(
      'http://127.0.0.1:5000',
    );
    expect(normalizeOptions({ url: 'localhost:5000' }).baseUrl).toBe('http://localhost:5000');
  });

  it('adds https:// to any other bare host', () => {
    expect(normalizeOptions({ url: 'registry.example.com' }).baseUrl).toBe(
      'https://registry.example.com',
    );
  });

  it('refuses plain HTTP to another host unless insecure', () => {
    expect(() => normalizeOptions({ url: 'http://registry.example.com' })).toThrow(ConfigError);
    expect(normalizeOptions({ url: 'http://registry.example.com', insecure: true }).baseUrl).toBe(
      'http://registry.example.com',
    );
  });

  it('refuses credentials in the URL without echoing them', () => {
    expect(() => normalizeOptions({ url: 'https://me:s3cret@registry.example.com' })).toThrow(
      /^(?!.*s3cret).*contains credentials/,
    );
  });
});
