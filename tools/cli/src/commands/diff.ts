import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { diffableSpecOf, diffContracts, formatContractDiff } from '@datakit/contracts';
import type { ContractDiff } from '@datakit/contracts';
import { ConfigError } from '@datakit/errors';
import {
  parseSpecSource,
  readVersionSpec,
  releasedVersions,
  resolveImageProject,
  type SpecSource,
} from '@datakit/images';
import { repoRoot } from '../_paths.ts';
import { DatakitCommand } from '../_render.ts';
import { openRegistry, registryFlags } from '../_registry.ts';

/** What `datakit diff --json` prints. */
export interface DiffResult {
  datakit: string;
  /** The older version (`@datakit/hello@1.0.0`), or null when nothing was released yet. */
  from: { label: string; version: string } | null;
  to: { label: string; version: string };
  diff: ContractDiff;
}

export default class Diff extends DatakitCommand {
  static override summary =
    'Compare the contracts of two versions of a datakit, each change classified as breaking or additive.';
  static override description = `Versions: working (the working tree), a released version such as 1.2.0 (its git tag <project>@<version>), git:<ref> (any commit) or registry:<version> (the spec label of the image in --registry). Defaults: the latest release against the working tree; with no release yet, every table counts as added. Breaking: a table or column removed, a type narrowed or changed, nullability tightened, a required column added, a primary key, cursor, source name or target changed, a write mode removed or the default mode changed. Additive: a table or nullable column added, a type widened, nullability relaxed, a write mode added. Exits 0 whatever the diff (datakit release-check fails on a breaking one without a major version).`;
  static override examples = [
    '<%= config.bin %> diff pagila-bronze',
    '<%= config.bin %> diff pagila-bronze 1.0.0 1.1.0',
    '<%= config.bin %> diff hello registry:0.2.0 working --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    datakit: Args.string({
      description: 'Datakit folder, folder name or package name.',
      required: true,
    }),
    from: Args.string({
      description: 'The older version (default: the latest release).',
      required: false,
    }),
    to: Args.string({ description: 'The newer version (default: working).', required: false }),
  };
  static override flags = {
    ...registryFlags,
    root: Flags.string({
      description: 'Repository root whose datakit and git tags are read (default: this one).',
    }),
  };

  async run(): Promise<DiffResult> {
    const { args, flags } = await this.parse(Diff);
    const root = flags.root ? resolve(flags.root) : repoRoot();
    const target = resolveImageProject(args.datakit, root);
    if (target.kind !== 'datakit') {
      throw new ConfigError(`${args.datakit} is a platform image, which has no contracts.`);
    }
    const project = target.project;
    const latest = releasedVersions(root, project.dir)[0];
    const fromSource: SpecSource | undefined =
      args.from === undefined
        ? latest === undefined
          ? undefined
          : { kind: 'release', version: latest }
        : parseSpecSource(args.from);
    const toSource = parseSpecSource(args.to ?? 'working');
    const needsRegistry = [fromSource, toSource].some((s) => s?.kind === 'registry');
    const registry = needsRegistry ? openRegistry(flags.registry).client : undefined;
    const from =
      fromSource === undefined
        ? undefined
        : await readVersionSpec(project, root, fromSource, registry);
    const to = await readVersionSpec(project, root, toSource, registry);
    const diff = diffContracts(from && specOf(from.spec, from.label), specOf(to.spec, to.label));
    const result: DiffResult = {
      datakit: project.name,
      from: from ? { label: from.label, version: from.version } : null,
      to: { label: to.label, version: to.version },
      diff,
    };
    if (!this.jsonEnabled()) {
      this.log(`${project.name}: ${from?.label ?? 'no release yet'} -> ${to.label}`);
      this.log(formatContractDiff(diff));
    }
    return result;
  }
}

function specOf(spec: unknown, label: string) {
  const diffable = diffableSpecOf(spec);
  if (diffable === undefined)
    throw new ConfigError(`The spec of ${label} has no list of contracts to compare.`);
  return diffable;
}
