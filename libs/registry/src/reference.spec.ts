import { ConfigError } from '@datakit/errors';
import { describe, expect, it } from 'vitest';
import { formatReference, isValidTag, parseReference, validateTag } from './reference.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it('splits registry with port, repository, tag and digest', () => {
    expect(parseReference(`127.0.0.1:5000/pagila-bronze:1.4.2@${DIGEST}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'pagila-bronze',
      tag: '1.4.2',
      digest: DIGEST,
    });
  });

  it('reads a registry host without a port and a nested repository', () => {
    expect(parseReference('registry.example.com/datakits/pagila-bronze:2.0.0')).toEqual({
      registry: 'registry.example.com',
      repository: 'datakits/pagila-bronze',
      tag: '2.0.0',
    });
  });

  it('treats localhost as a registry and a dotless first component as a path', () => {
    expect(parseReference('localhost/a').registry).toBe('localhost');
    expect(parseReference('team/app:1')).toEqual({ repository: 'team/app', tag: '1' });
  });

  it('reads a registry with a port and no tag', () => {
    expect(parseReference('127.0.0.1:5000/test/x')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'test/x',
    });
  });

  it('reads a digest without a tag', () => {
    expect(parseReference(`a/b@${DIGEST}`)).toEqual({ repository: 'a/b', digest: DIGEST });
  });

  it('refuses an uppercase repository', () => {
    expect(() => parseReference('127.0.0.1:5000/Pagila:1.0.0')).toThrow(ConfigError);
  });

  it('refuses a malformed digest', () => {
    expect(() => parseReference('a@sha256:xyz')).toThrow(/Digest "sha256:xyz" is not valid/);
  });

  it('round-trips through formatReference', () => {
    const text = `127.0.0.1:5000/pagila-bronze:1.4.2@${DIGEST}`;
    expect(formatReference(parseReference(text))).toBe(text);
    expect(formatReference({ repository: 'a', tag: 'b' })).toBe('a:b');
  });
});

describe('validateTag', () => {
  it('accepts the tags the distribution rule allows', () => {
    for (const tag of ['1.4.2', 'latest', '_x', '1.0.0-rc.1', 'v1', 'a'.repeat(128)]) {
      expect(isValidTag(tag)).toBe(true);
    }
  });

  it('refuses tags starting with a dot or dash, empty or too long', () => {
    for (const tag of ['.a', '-a', '', 'a'.repeat(129), 'a/b']) {
      expect(isValidTag(tag)).toBe(false);
    }
  });

  it('refuses semver build metadata with an error quoting the rule', () => {
    expect(() => validateTag('1.4.2+build.7')).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: Tag "1.4.2+build.7" is not valid: a tag matches [A-Za-z0-9_][A-Za-z0-9._-]{0,127}, and "+" (semver build metadata) is not allowed.]`,
    );
  });

  it('suggests the release or an underscore instead of the plus', () => {
    try {
      parseReference('127.0.0.1:5000/pagila-bronze:1.4.2+build.7');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).hint).toContain('"1.4.2"');
      expect((error as ConfigError).hint).toContain('"1.4.2_build.7"');
    }
  });
});
