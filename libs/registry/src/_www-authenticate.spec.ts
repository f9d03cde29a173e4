import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './_www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it('reads a bearer challenge with a comma inside a quoted scope', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:a/b:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, unquoted values and escapes', () => {
    expect(
      parseWwwAuthenticate(
        'Basic realm="Registry \\"x\\"", Bearer realm=https://a/t, error=invalid_token',
      ),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'Registry "x"' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', error: 'invalid_token' } },
    ]);
  });

  it('returns nothing for a missing header', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
  });
});
