import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@datakit/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findReleaseCommit } from './release-tree.ts';

// A scratch git repository whose datakit went 1.0.0 -> 1.0.1 -> 1.1.0, with commits between.
let root: string;
const commits: Record<string, string> = {};

function git(...args: string[]): string {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
}

function commit(label: string, version: string | undefined, file = 'src/main.ts'): void {
  if (version !== undefined) {
    writeFileSync(join(root, 'datakits/demo/package.json'), JSON.stringify({ version }));
  }
  writeFileSync(join(root, 'datakits/demo', file), `// ${label}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', label);
  commits[label] = git('rev-parse', 'HEAD');
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'release-tree-'));
  mkdirSync(join(root, 'datakits/demo/src'), { recursive: true });
  git('init', '-q');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  commit('first 1.0.0', '1.0.0');
  commit('fix in 1.0.0', undefined);
  commit('bump 1.0.1', '1.0.1');
  commit('feature', undefined, 'src/feature.ts');
  commit('bump 1.1.0', '1.1.0');
  commit('after 1.1.0', undefined);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findReleaseCommit', () => {
  it('finds the last commit that had the version: the parent of the bump', () => {
    expect(findReleaseCommit(root, 'datakits/demo', '1.0.0')).toBe(commits['fix in 1.0.0']);
    expect(findReleaseCommit(root, 'datakits/demo', '1.0.1')).toBe(commits.feature);
  });

  it('builds the working tree for its own version', () => {
    expect(findReleaseCommit(root, 'datakits/demo', '1.1.0')).toBeUndefined();
  });

  it('lists the versions the history has when asked for another', () => {
    expect(() => findReleaseCommit(root, 'datakits/demo', '0.9.0')).toThrow(ConfigError);
    expect(() => findReleaseCommit(root, 'datakits/demo', '0.9.0')).toThrow(
      'datakits/demo/package.json: version 0.9.0 was never released; the history has 1.1.0, 1.0.1, 1.0.0.',
    );
  });
});
