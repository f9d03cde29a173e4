// nx release's version actions for datakit projects: @nx/js's (package.json), plus the
// contract check. A datakit whose contracts changed in a breaking way since its last release
// (`<project>@<version>` tag) cannot be versioned to anything but a major version: nx release,
// its --dry-run and an explicit specifier (`nx release minor`) all stop here with the changes.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import type * as JsRelease from '@nx/js/src/release/version-actions';
import { formatMigration, migrationSteps } from '@datakit/databases';
import {
  BREAKING_CHANGES_FILE,
  checkReleaseVersion,
  parseBreakingChanges,
  readDatakitProject,
  type ReleaseCheck,
} from '@datakit/images';

// @nx/js is CommonJS: its class is the `default` property of module.exports.
const js = createRequire(import.meta.url)('@nx/js/src/release/version-actions') as {
  default: typeof JsRelease.default.default;
} & Pick<typeof JsRelease, 'afterAllProjectsVersioned'>;
const JsVersionActions = js.default;

/** @nx/js's, which updates dependents' package.json ranges after every project is versioned. */
export const afterAllProjectsVersioned = js.afterAllProjectsVersioned;

/** @nx/js's version actions, refusing a breaking contract change without a major version. */
export default class DatakitVersionActions extends JsVersionActions {
  override async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    const root = this.projectGraphNode.data.root;
    const manifest = JSON.parse(tree.read(join(root, 'package.json'), 'utf8') ?? '{}') as {
      datakit?: unknown;
    };
    if (manifest.datakit !== undefined) {
      const project = readDatakitProject(join(tree.root, root), tree.root);
      const check = await checkReleaseVersion(project, tree.root, newVersion);
      if (!check.ok) throw new Error(`datakit release check: ${check.message}`);
      const notes = writeBreakingNotes(tree, root, check);
      return [...(await super.updateProjectVersion(tree, newVersion)), ...notes];
    }
    return super.updateProjectVersion(tree, newVersion);
  }
}

/**
 * A breaking release adds its notes to the project's breaking-changes.json (kept for earlier
 * versions; an entry the author already wrote for this version is left as it is): the breaking
 * changes as the contract diff words them and the migration DDL derived from it, which the
 * author may edit before the image is built. Every image carries the file in a label.
 */
function writeBreakingNotes(tree: Tree, root: string, check: ReleaseCheck): string[] {
  if (check.diff === null || !check.diff.breaking || check.specs === undefined) return [];
  const file = join(root, BREAKING_CHANGES_FILE);
  const text = tree.read(file, 'utf8');
  const notes = text === null ? {} : parseBreakingChanges(text, file);
  if (notes[check.version] !== undefined) return [];
  notes[check.version] = {
    ...(check.released === null ? {} : { since: check.released }),
    changes: check.diff.changes
      .filter((c) => c.class === 'breaking')
      .map((c) => `${c.table}${c.column ? `.${c.column}` : ''}: ${c.message}`),
    migration: formatMigration(migrationSteps(check.diff, check.specs.from, check.specs.to)),
  };
  tree.write(file, `${JSON.stringify(notes, null, 2)}\n`);
  return [`${file}: breaking-change notes of ${check.version}`];
}
