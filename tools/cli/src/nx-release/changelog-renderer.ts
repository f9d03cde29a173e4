// nx release's changelog renderer for this workspace: nx's default entry (conventional commits),
// followed for a datakit by the contract changes since its last release, each marked breaking
// or additive, so the changelog says what a warehouse's tables get from the new version.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as NxRenderer from 'nx/release/changelog-renderer';
import { formatContractDiff } from '@datakit/contracts';
import { checkReleaseVersion, readDatakitProject } from '@datakit/images';

// nx is CommonJS: its class is the `default` property of module.exports.
const DefaultChangelogRenderer = (
  createRequire(import.meta.url)('nx/release/changelog-renderer') as {
    default: typeof NxRenderer.default.default;
  }
).default;

/** nx's changelog entry, and a "Contract changes" section for a datakit whose contracts changed. */
export default class DatakitChangelogRenderer extends DefaultChangelogRenderer {
  override async render(): Promise<string> {
    const entry = await super.render();
    const section = await contractSection(this.project, this.changelogEntryVersion);
    return section === undefined ? entry : `${entry.trimEnd()}\n\n${section}`;
  }
}

/** The contract diff since the last release, as a changelog section; undefined when none. */
async function contractSection(
  project: string | null,
  version: string,
): Promise<string | undefined> {
  const root = process.cwd();
  const dir = project === null ? undefined : datakitDir(root, project);
  if (dir === undefined) return undefined;
  const check = await checkReleaseVersion(readDatakitProject(dir, root), root, version);
  if (check.diff === null || check.diff.changes.length === 0) return undefined;
  return [
    '### Contract changes',
    '',
    `Since ${check.released}${check.diff.breaking ? ' (breaking: see breaking-changes.json for the migration)' : ''}:`,
    '',
    '```',
    formatContractDiff(check.diff),
    '```',
  ].join('\n');
}

/** The folder under `datakits/` of the datakit package named `name`. */
function datakitDir(root: string, name: string): string | undefined {
  const datakits = join(root, 'datakits');
  if (!existsSync(datakits)) return undefined;
  for (const entry of readdirSync(datakits)) {
    const file = join(datakits, entry, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; datakit?: unknown };
    if (manifest.name === name && manifest.datakit !== undefined) return join(datakits, entry);
  }
  return undefined;
}
