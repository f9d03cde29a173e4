import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from './_paths.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'run.js');
const datakit = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

// Dry runs only: the commands read the live pagila catalog and run the generators through Nx,
// and nothing is written to the repository.
describe('datakit new', () => {
  it('lists the files new source would write from the pagila connection of analytics', () => {
    const run = datakit(
      'new',
      'source',
      'pagila-dry',
      '--from',
      'analytics:pagila',
      '--tables',
      'actor,payment',
      '--dry-run',
      '--json',
    );
    expect([run.status, run.stderr.includes('datakit new source:')]).toEqual([0, false]);
    const result = JSON.parse(run.stdout) as { files: { action: string; path: string }[] };
    expect(result.files.map((f) => `${f.action} ${f.path}`).sort()).toEqual(
      [
        'README.md',
        'package.json',
        'tsconfig.json',
        'src/actor.ts',
        'src/index.spec.ts',
        'src/index.ts',
        'src/payment.ts',
      ]
        .map((f) => `create datakits/pagila-dry/${f}`)
        .sort(),
    );
    expect(existsSync(join(repoRoot(), 'datakits', 'pagila-dry'))).toBe(false);
  });

  it('refuses a table the schema lacks with exit code 2, naming the tables it has', () => {
    const run = datakit(
      'new',
      'source',
      'pagila-dry',
      '--from',
      'analytics:pagila',
      '--tables',
      'nope',
      '--dry-run',
    );
    expect([run.status, run.stderr]).toEqual([2, expect.stringContaining('has no table "nope"')]);
    expect(run.stderr).toContain('Tables there: actor, actor_info,');
  });

  it('lists the files new bronze would write from pagila-source', () => {
    const run = datakit(
      'new',
      'bronze',
      'pagila-dry',
      '--from',
      'pagila-source',
      '--dry-run',
      '--json',
    );
    const result = JSON.parse(run.stdout) as { files: { path: string }[] };
    expect([run.status, result.files.length]).toEqual([0, 3 + 3 + 15]);
  });
});
