import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';

/**
 * The subjects of commits since `tag` that touch `projectDir` and are marked breaking in the
 * conventional commits way (`feat!:`, `fix(x)!:` or a `BREAKING CHANGE:` footer): what makes
 * nx release bump a major version.
 */
export function breakingCommitsSince(root: string, tag: string, projectDir: string): string[] {
  const run = spawnSync(
    'git',
    ['log', '--format=%s%n%b%x00', `${tag}..HEAD`, '--', relative(root, projectDir) || '.'],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) return [];
  return run.stdout
    .split('\0')
    .map((message) => message.trim())
    .filter(
      (message) => /^[a-z]+(?:\([^)]*\))?!:/.test(message) || /^BREAKING[ -]CHANGE:/m.test(message),
    )
    .map((message) => message.split('\n')[0]!);
}
