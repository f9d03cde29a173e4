import { RegistryError } from '@datakit/errors';
import { DatakitCommand } from '../../_render.ts';
import { openRegistry, registryFlags } from '../../_registry.ts';

/** One repository as `datakit registry ls --json` prints it. */
export interface RegistryRepository {
  repository: string;
  /** Number of tags. */
  tags: number;
  /** The highest semver tag (or the first non-semver one), if any. */
  newest: string | undefined;
}

export default class RegistryLs extends DatakitCommand {
  static override summary = 'List the repositories of a registry, with their newest version.';
  static override examples = [
    '<%= config.bin %> registry ls',
    '<%= config.bin %> registry ls --registry registry.corp.example --json',
  ];
  static override enableJsonFlag = true;
  static override flags = { ...registryFlags };

  async run(): Promise<RegistryRepository[]> {
    const { flags } = await this.parse(RegistryLs);
    const { client } = openRegistry(flags.registry);
    const repositories: RegistryRepository[] = [];
    for (const repository of await client.catalog()) {
      // A repository with blobs but no tag yet (an upload that never finished) has no tag list.
      const tags = await client.tags(repository).catch((error: unknown) => {
        if (error instanceof RegistryError && error.status === 404) return [];
        throw error;
      });
      repositories.push({ repository, tags: tags.length, newest: tags[0] });
    }
    if (!this.jsonEnabled()) {
      const width = Math.max(10, ...repositories.map((r) => r.repository.length));
      this.log(`${'REPOSITORY'.padEnd(width)}  TAGS  NEWEST`);
      for (const r of repositories)
        this.log(
          `${r.repository.padEnd(width)}  ${String(r.tags).padStart(4)}  ${r.newest ?? '-'}`,
        );
    }
    return repositories;
  }
}
