// npm run bench:cli — CLI start-up to help (target < 0.5 s) and a deploy with nothing to change
// (target < 1 s), timed as whole processes the way a person runs them. Uses the analytics
// warehouse on the local Docker environment; needs `npm run infra:up` and its images pushed
// (`npm run main` does both).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@datakit/local-infra';

const root = repoRoot();
const bin = join(root, 'tools', 'cli', 'bin', 'run.js');
const log = (message: string): void => void process.stderr.write(`[bench:cli] ${message}\n`);

function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`datakit ${args.join(' ')} failed:\n${result.stderr}`);
  return seconds;
}

/** The median of several runs after one warm-up (the compile cache fills on the first). */
function median(args: string[], runs = 5): number {
  timed(args);
  const times = Array.from({ length: runs }, () => timed(args)).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const help = median(['--help']);
log(`datakit --help: ${help.toFixed(3)} s (median of 5, target < 0.5 s)`);
timed(['deploy', 'analytics']); // make sure there is nothing left to change
const noop = median(['deploy', 'analytics']);
log(
  `datakit deploy analytics with nothing to change: ${noop.toFixed(3)} s (median of 5, target < 1 s)`,
);
process.stdout.write(
  `${JSON.stringify({ bench: 'cli', help_s: Number(help.toFixed(3)), noop_deploy_s: Number(noop.toFixed(3)) })}\n`,
);
