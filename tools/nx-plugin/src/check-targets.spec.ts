import { describe, expect, it } from 'vitest';
import { checkTargets } from './check-targets.ts';

describe('checkTargets', () => {
  it('lints and tests a project with source files, filtered to its folder', () => {
    const targets = checkTargets('libs/deploy', { hasSource: true });
    expect(Object.keys(targets).sort()).toEqual(['lint', 'test', 'test-integration']);
    expect(targets['lint']?.command).toBe(
      'eslint libs/deploy/ --max-warnings 0 --no-error-on-unmatched-pattern && prettier --check libs/deploy/',
    );
    expect(targets['test']?.command).toBe(
      'vitest run --project unit --project types --passWithNoTests libs/deploy/',
    );
    expect(targets['test-integration']?.command).toBe(
      'vitest run --project integration --passWithNoTests libs/deploy/',
    );
  });

  it('gives a project without source (a warehouse) only lint', () => {
    expect(Object.keys(checkTargets('warehouses/analytics', { hasSource: false }))).toEqual([
      'lint',
    ]);
  });
});
