import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { ConfigError, DatakitError } from '@datakit/errors';
import { checkPendingRelease, readDatakitProject, type ReleaseCheck } from '@datakit/images';
import { repoRoot } from '../_paths.ts';
import { DatakitCommand } from '../_render.ts';

/** What `datakit release-check --json` prints. */
export interface ReleaseCheckResult {
  ok: boolean;
  datakits: ReleaseCheck[];
}

export default class ReleaseCheckCommand extends DatakitCommand {
  static override summary =
    'Fail when a datakit changed its contracts in a breaking way since its last release and its next version is not major.';
  static override description = `For every datakit with a release tag (<project>@<version>): the contract diff from that release to the working tree. A breaking diff needs a major version: package.json already moved to one, or a commit since the tag marked breaking (feat!: or a BREAKING CHANGE: footer), so that nx release bumps the major. nx release applies the same rule to the version it computes. Exit 1 when a datakit fails.`;
  static override examples = [
    '<%= config.bin %> release-check',
    '<%= config.bin %> release-check --datakit pagila-bronze --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    datakit: Flags.string({
      description: 'Only this datakit (folder name); repeatable.',
      multiple: true,
    }),
    root: Flags.string({
      description: 'Repository root whose datakits and git tags are read (default: this one).',
    }),
  };

  async run(): Promise<ReleaseCheckResult> {
    const { flags } = await this.parse(ReleaseCheckCommand);
    const root = flags.root ? resolve(flags.root) : repoRoot();
    const dirs = datakitDirs(root).filter(
      (dir) => !flags.datakit || flags.datakit.some((name) => dir.endsWith(`/${name}`)),
    );
    if (flags.datakit && dirs.length < flags.datakit.length) {
      throw new ConfigError(`No datakit named ${flags.datakit.join(', ')} under ${root}/datakits.`);
    }
    const datakits: ReleaseCheck[] = [];
    for (const dir of dirs) {
      datakits.push(await checkPendingRelease(readDatakitProject(dir, root), root));
    }
    const result = { ok: datakits.every((d) => d.ok), datakits };
    if (!this.jsonEnabled()) {
      for (const check of datakits) this.log(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.message}`);
    }
    if (!result.ok) {
      const failed = datakits.filter((d) => !d.ok).map((d) => d.datakit);
      this.failAfterResult(
        new DatakitError(`${failed.join(', ')}: breaking contract changes need a major version.`),
      );
    }
    return result;
  }
}

/** The folders of datakits/ whose package.json has a `datakit` field, in name order. */
function datakitDirs(root: string): string[] {
  const parent = join(root, 'datakits');
  if (!existsSync(parent)) return [];
  return readdirSync(parent)
    .sort()
    .map((name) => join(parent, name))
    .filter((dir) => {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) return false;
      return (
        (JSON.parse(readFileSync(file, 'utf8')) as { datakit?: unknown }).datakit !== undefined
      );
    });
}
