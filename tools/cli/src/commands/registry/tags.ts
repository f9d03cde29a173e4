import { Args } from '@oclif/core';
import { DatakitCommand } from '../../_render.ts';
import { openRegistry, registryFlags } from '../../_registry.ts';

/** What `datakit registry tags --json` prints. */
export interface RegistryTagsResult {
  repository: string;
  /** Newest first: semver tags in descending order, then other tags alphabetically. */
  tags: string[];
}

export default class RegistryTags extends DatakitCommand {
  static override summary = 'List the versions of a datakit in the registry, newest first.';
  static override description =
    "Tags are sorted by semver (1.10.0 before 1.9.0), not alphabetically as the registry lists them; every page of the registry's list is read.";
  static override examples = [
    '<%= config.bin %> registry tags pagila-bronze',
    '<%= config.bin %> registry tags hello --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    datakit: Args.string({
      description: 'Datakit (repository) name, e.g. pagila-bronze.',
      required: true,
    }),
  };
  static override flags = { ...registryFlags };

  async run(): Promise<RegistryTagsResult> {
    const { args, flags } = await this.parse(RegistryTags);
    const tags = await openRegistry(flags.registry).client.tags(args.datakit);
    if (!this.jsonEnabled()) for (const tag of tags) this.log(tag);
    return { repository: args.datakit, tags };
  }
}
