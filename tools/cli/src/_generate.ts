// What the `datakit new` commands share: run one of the workspace plugin's Nx generators
// (`nx g @datakit/nx-plugin:<generator>`) in the repository and report the files it wrote.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { DatakitError } from '@datakit/errors';
import { repoRoot } from './_paths.ts';

/** One file a generator created, changed or would (with `--dry-run`). */
export interface GeneratedFile {
  action: 'create' | 'update' | 'delete';
  path: string;
}

/** What every `datakit new` command prints with `--json`. */
export interface NewCommandResult {
  generator: string;
  name: string;
  /** The package folder, relative to the repository. */
  directory: string;
  dryRun: boolean;
  /** Empty when the package is already as the generator writes it. */
  files: GeneratedFile[];
}

export const generateFlags = {
  'dry-run': Flags.boolean({
    description: 'List the files that would be written; write nothing.',
    default: false,
  }),
  'skip-install': Flags.boolean({
    description:
      'Only link the new package (node_modules symlink); skip npm install, which records it in package-lock.json.',
    default: false,
  }),
};

/**
 * Runs `nx g @datakit/nx-plugin:<generator>` with the options (camelCase keys, as the
 * generator's schema.json names them) and returns the files it listed. Its other output goes
 * to stderr; a failure is one error with the generator's message.
 */
export async function runGenerator(
  generator: string,
  name: string,
  options: Record<string, string | boolean | undefined>,
  dryRun: boolean,
): Promise<NewCommandResult> {
  const root = repoRoot();
  // The workspace's own Nx (a devDependency of the repository root).
  const nx = createRequire(join(root, 'package.json')).resolve('nx/bin/nx.js');
  const args = [nx, 'g', `@datakit/nx-plugin:${generator}`, name];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    args.push(value === true ? `--${key}` : `--${key}=${value}`);
  }
  if (dryRun) args.push('--dry-run');
  args.push('--no-interactive');
  const { code, stdout, stderr } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
  }>((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (status) => done({ code: status, stdout: out, stderr: err }));
  });
  const files: GeneratedFile[] = [];
  const other: string[] = [];
  // eslint-disable-next-line no-control-regex -- Nx colours its lines; the colour codes go
  const plain = stdout.replace(/\u001b\[[0-9;]*m/g, '');
  // eslint-disable-next-line no-control-regex -- as above
  const errors = stderr.replace(/\u001b\[[0-9;]*m/g, '');
  for (const line of plain.split('\n')) {
    const match = /^(CREATE|UPDATE|DELETE) (\S.*)$/.exec(line.trim());
    if (match)
      files.push({ action: match[1]!.toLowerCase() as GeneratedFile['action'], path: match[2]! });
    else if (line.trim() !== '' && !/^NX\s+Generating|dryRun" flag means/.test(line.trim()))
      other.push(line);
  }
  if (code !== 0) {
    // Nx prints a generator's error as ` NX   <message>`, then a hint about --verbose.
    const message = errors
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('Pass --verbose'))
      .join(' ')
      .replace(/^NX\s+/, '');
    throw new DatakitError(
      `The ${generator} generator failed: ${message || `nx exited with ${code}`}`,
      { hint: `Run npx nx g @datakit/nx-plugin:${generator} with --verbose for details.` },
    );
  }
  if (errors.trim() !== '') process.stderr.write(errors);
  if (other.length > 0) process.stderr.write(`${other.join('\n')}\n`);
  return { generator, name, directory: `datakits/${name}`, dryRun, files };
}

/** The files a `datakit new` command wrote (or would), one per line. */
export function printGenerated(
  command: { log(message: string): void },
  result: NewCommandResult,
): void {
  if (result.files.length === 0) {
    command.log(`${result.directory} is already as the generator writes it: nothing to write`);
    return;
  }
  for (const file of result.files) command.log(`${file.action.padEnd(6)} ${file.path}`);
  command.log(
    result.dryRun
      ? 'dry run: nothing written'
      : `wrote ${result.files.length} files; ${result.directory} is linked into the workspace`,
  );
}
