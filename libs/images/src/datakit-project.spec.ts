import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '@datakit/errors';
import { readDatakitProject } from './datakit-project.ts';

const root = join(import.meta.dirname, '..', '..', '..');
let dir: string | undefined;

const project = (manifest: object, entry = 'src/main.ts'): string => {
  dir = mkdtempSync(join(tmpdir(), 'datakit-project-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, entry), 'export {};\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  return dir;
};

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('readDatakitProject', () => {
  it('defaults the base to the datakit-base version of this repository', () => {
    const read = readDatakitProject(project({ version: '1.4.2', datakit: { name: 'demo' } }), root);
    expect(read).toMatchObject({ name: 'demo', version: '1.4.2', entry: 'src/main.ts' });
    expect(read.base.repository).toBe('datakit-base');
    expect(read.base.tag).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a version with semver build metadata, quoting the tag rule', () => {
    const at = project({ version: '1.4.2+build.7', datakit: {} });
    expect(() => readDatakitProject(at, root)).toThrowError(ConfigError);
    try {
      readDatakitProject(at, root);
    } catch (error) {
      expect((error as ConfigError).exitCode).toBe(ExitCode.Config);
      expect((error as Error).message).toBe(
        `${join(at, 'package.json')}: field "version": Tag "1.4.2+build.7" is not valid: a tag matches [A-Za-z0-9_][A-Za-z0-9._-]{0,127}, and "+" (semver build metadata) is not allowed.`,
      );
    }
  });

  it('names the field when the version is missing', () => {
    expect(() => readDatakitProject(project({ datakit: {} }), root)).toThrowError(
      /package.json: field "version" is missing/,
    );
  });

  it('refuses a name that cannot be a registry repository', () => {
    expect(() =>
      readDatakitProject(project({ version: '1.0.0', datakit: { name: 'Pagila Bronze' } }), root),
    ).toThrowError(/field "datakit.name" is "Pagila Bronze"; expected lower-case letters/);
  });

  it('names an entry file that does not exist', () => {
    expect(() =>
      readDatakitProject(
        project({ version: '1.0.0', datakit: { name: 'demo', entry: 'src/missing.ts' } }),
        root,
      ),
    ).toThrowError(/field "datakit.entry" names "src\/missing.ts", which does not exist/);
  });
});
